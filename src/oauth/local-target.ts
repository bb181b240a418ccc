/**
 * The longest target accepted. Targets end up inside menu links, which WeChat caps at 1024 bytes
 * (WECHAT-PROTOCOL.md §6.6), so nothing legitimate is longer.
 */
export const MAX_TARGET_LENGTH = 1024;

// RFC 3986 characters allowed in a path, query and fragment (pchar, '/', '?', '#', and '%' for escapes).
// Everything else — backslash, whitespace, controls, quotes, '<>', non-ASCII — must arrive percent-encoded,
// which also keeps the later `Location` header free of CR/LF.
const URI_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?#%]*$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
// Backslash (browsers read it as '/'), controls, invisible format characters (bidi overrides) and line
// separators, once decoded.
const BAD_DECODED = /[\\\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
// How many rounds of percent-decoding are tried: enough for any real double or triple encoding trick.
const MAX_DECODE_ROUNDS = 4;
const SENTINEL_ORIGIN = 'http://wxoa.invalid';

/**
 * True when `target` is a path on this server, safe to `302` to after OAuth (INTERFACE.md §6): it starts with
 * one `/`, and neither as written nor after percent-decoding (repeatedly, then NFKC, as lenient servers and
 * proxies do) does it become protocol-relative (`//host`, `/\host`), contain a backslash or control character,
 * or contain a `.`/`..` segment. Query and fragment are allowed. Strict on purpose: an open redirect on
 * the OAuth callback would hand visitors, with a fresh session, to anyone's site.
 */
export function isLocalTarget(target: string): boolean {
  if (typeof target !== 'string' || target.length === 0 || target.length > MAX_TARGET_LENGTH) return false;
  if (!URI_CHARS.test(target) || BAD_ESCAPE.test(target)) return false;
  if (!target.startsWith('/')) return false;

  const path = target.split(/[?#]/, 1)[0] ?? '';
  for (const form of decodedForms(path)) {
    if (form === null || !isPlainPath(form) || !isPlainPath(form.normalize('NFKC'))) return false;
  }

  // Belt and braces: whatever the checks above missed, resolving the target must not leave this origin.
  try {
    return new URL(target, SENTINEL_ORIGIN).origin === SENTINEL_ORIGIN;
  } catch {
    return false;
  }
}

function isPlainPath(path: string): boolean {
  if (!path.startsWith('/') || path.startsWith('//') || BAD_DECODED.test(path)) return false;
  return path.split('/').every((segment) => segment !== '.' && segment !== '..');
}

/**
 * `path` as written and after each round of percent-decoding. A first round that fails (bad UTF-8) yields
 * `null`; a later failure just ends the list, because `/100%25` legitimately decodes to a lone '%'. Encoding
 * nested deeper than {@link MAX_DECODE_ROUNDS} has no honest use and also yields `null`.
 */
function decodedForms(path: string): (string | null)[] {
  const forms: (string | null)[] = [path];
  let current = path;
  for (let round = 0; round <= MAX_DECODE_ROUNDS; round++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      if (round === 0) forms.push(null);
      return forms;
    }
    if (next === current) return forms;
    if (round === MAX_DECODE_ROUNDS) break;
    forms.push(next);
    current = next;
  }
  forms.push(null);
  return forms;
}
