import { WireError } from './errors.js';

/** A parsed element: children by name; a repeated child is an array, a text-only child a string. */
export type XmlObject = Record<string, unknown>;

/** A WireError of kind 'xml' with the official ParseXml_Error code (§2.7). */
export const xmlError = (message: string, cause?: unknown): WireError =>
  new WireError('xml', message, -40002, cause === undefined ? undefined : { cause });

/** WeChat's documents nest three levels at most (SendPicsInfo/PicList/item); a margin, and a stack bound. */
const MAX_DEPTH = 16;

/**
 * Anything that is not an XML 1.0 Char (§2.2): C0 controls but tab and line ends, lone surrogates (the `u`
 * flag reads a pair as one code point), U+FFFE and U+FFFF. One native scan of the whole document.
 */
const NOT_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** WeChat's element names: ASCII, no namespace prefix (a subset of XML's Name production). */
const NAME = /[A-Za-z_][A-Za-z0-9._-]*/y;

/** The XML declaration (§2.8 XMLDecl), only at the very start of the document. */
const XML_DECL =
  /<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(?:"1\.[0-9]+"|'1\.[0-9]+')(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(?:"[A-Za-z][A-Za-z0-9._-]*"|'[A-Za-z][A-Za-z0-9._-]*'))?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\n]*\?>/y;

/** A reference in text (§4.1): one of the five predefined entities or a character reference. */
const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#x([0-9A-Fa-f]+));/y;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

/**
 * Parses a WeChat document strictly and returns the children of its `<xml>` root; anything else is a
 * WireError 'xml' (§2.7: -40002). The common flat push takes one regex pass ({@link readFlatXml}); the
 * rest one pass of {@link Reader}, linear in the input: no backtracking, no expansion.
 *
 * Refused as not well-formed XML 1.0 (INTERFACE.md §3): a character that is not a Char, a missing or
 * mismatched end tag, `]]>` or a bare `&` in text, an undeclared entity, a character reference to a
 * non-Char, a bad comment, declaration or processing instruction, content after the root.
 * Refused as not WeChat's shape: a DOCTYPE (and so every entity declaration: no "billion laughs"),
 * attributes, names outside ASCII or with a prefix, text next to child elements, `__proto__`, nesting
 * deeper than 16, a root other than one `<xml>`.
 *
 * Values: bare text has its references decoded and its XML white space trimmed; CDATA is verbatim; line
 * ends are normalised to `\n` first (§2.11). An element with children is an object, a repeated child an
 * array, an empty element `''`.
 */
export function readXmlRoot(input: string): XmlObject {
  const xml = input.includes('\r') ? input.replace(/\r\n?/g, '\n') : input;
  const flat = readFlatXml(xml);
  if (flat !== undefined) return flat;
  const bad = NOT_CHAR.exec(xml);
  if (bad !== null) {
    const code = bad[0].codePointAt(0) as number;
    throw xmlError(
      `character U+${code.toString(16).toUpperCase().padStart(4, '0')} at offset ${bad.index} is not allowed in XML`,
    );
  }
  return new Reader(xml).document();
}

// The value classes leave out every non-Char; with the `u` flag a lone surrogate is one code point in
// \uD800-\uDFFF, while a valid pair is one astral code point. Line ends are normalised before.
const FLAT_START = /^\uFEFF?<xml>/;
const FLAT_ELEMENT =
  /[ \t\n]*<([A-Za-z_][\w.-]*)>(?:<!\[CDATA\[([^\]\0-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]*)\]\]>|([^<&\]\0-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]*))<\/\1>/uy;
const FLAT_END = /[ \t\n]*<\/xml>[ \t\n]*$/y;

/**
 * The fast path, for the common flat push: `<xml>` (no declaration) whose children are all text-only
 * elements, a bare value without `&` or `]`, or one CDATA section without `]`, every character an XML
 * Char. Anything else — nesting, references, a declaration, a repeated or inherited name — is undefined,
 * for the strict reader. Whatever it accepts is well-formed, and it gives what the strict reader gives.
 * This regex pass measured 1.1 µs on the subscribe push (bench/micro.mjs), fast-xml-parser 22.8 µs.
 */
export function readFlatXml(xml: string): XmlObject | undefined {
  const start = FLAT_START.exec(xml);
  if (start === null) return undefined;
  const values: Record<string, string> = {};
  let pos = start[0].length;
  for (;;) {
    FLAT_ELEMENT.lastIndex = pos;
    const m = FLAT_ELEMENT.exec(xml);
    if (m === null) break;
    const name = m[1] as string;
    if (name in values) return undefined;
    const bare = m[3];
    values[name] = bare === undefined ? (m[2] as string) : trimStart(trimEnd(bare));
    pos = FLAT_ELEMENT.lastIndex;
  }
  FLAT_END.lastIndex = pos;
  return FLAT_END.test(xml) ? values : undefined;
}

/** What inbound.ts reads pushes and envelopes with: {@link readXmlRoot} (fast path, else strict). */
export const readWechatXml = readXmlRoot;

class Reader {
  private pos = 0;
  constructor(private readonly xml: string) {}

  document(): XmlObject {
    const xml = this.xml;
    if (xml.charCodeAt(0) === 0xfeff) this.pos = 1;
    XML_DECL.lastIndex = this.pos;
    if (XML_DECL.test(xml)) this.pos = XML_DECL.lastIndex;
    else if (xml.startsWith('<?xml', this.pos) && !isNameChar(xml.charCodeAt(this.pos + 5))) {
      throw xmlError('malformed XML declaration');
    }
    this.misc();
    if (xml.startsWith('<!', this.pos)) throw xmlError('DOCTYPE and ENTITY declarations are not allowed');
    if (xml.charCodeAt(this.pos) !== 0x3c || this.name(this.pos + 1) !== 'xml') {
      throw xmlError('the root element must be a single <xml> element');
    }
    const root = this.element(1);
    this.misc();
    if (this.pos < xml.length) {
      throw xmlError(
        xml.charCodeAt(this.pos) === 0x3c
          ? 'the root element must be a single <xml> element'
          : 'text after the root element',
      );
    }
    if (typeof root !== 'object') return {};
    return root;
  }

  /** Comments, processing instructions and white space, outside the root. */
  private misc(): void {
    const xml = this.xml;
    for (;;) {
      while (isSpace(xml.charCodeAt(this.pos))) this.pos++;
      if (xml.startsWith('<!--', this.pos)) this.comment();
      else if (xml.startsWith('<?', this.pos)) this.pi();
      else return;
    }
  }

  /** The Name at `at` (WeChat's ASCII subset), or undefined. */
  private name(at: number): string | undefined {
    NAME.lastIndex = at;
    return NAME.exec(this.xml)?.[0];
  }

  /** At `<` of a start tag: reads the element through its end tag and returns its value. */
  private element(depth: number): XmlObject | string {
    const xml = this.xml;
    const name = this.name(this.pos + 1);
    if (name === undefined) throw xmlError(`not a valid element name at offset ${this.pos + 1}`);
    let at = this.pos + 1 + name.length;
    while (isSpace(xml.charCodeAt(at))) at++;
    const c = xml.charCodeAt(at);
    if (c === 0x2f /* / */ && xml.charCodeAt(at + 1) === 0x3e) {
      this.pos = at + 2;
      return '';
    }
    if (c !== 0x3e /* > */) {
      const spaced = at > this.pos + 1 + name.length;
      if (spaced && this.name(at) !== undefined) throw xmlError('attributes are not allowed in WeChat XML');
      throw xmlError(`malformed start tag <${name}>`);
    }
    this.pos = at + 1;
    return this.content(name, depth);
  }

  /** The content of `<name>` up to and including its end tag. */
  private content(name: string, depth: number): XmlObject | string {
    const xml = this.xml;
    let children: XmlObject | undefined;
    let text = '';
    // Bare text is trimmed at the edges, CDATA is not: `kept` is how much of `text` must stay as it is.
    let kept = 0;
    let sawCdata = false;
    let significant = false;
    for (;;) {
      const lt = xml.indexOf('<', this.pos);
      if (lt === -1) throw xmlError(`<${name}> has no end tag`);
      if (lt > this.pos) {
        let bare = this.text(this.pos, lt);
        if (!sawCdata && text === '') bare = trimStart(bare);
        if (bare !== '') {
          if (!significant && !isBlank(bare)) significant = true;
          text += bare;
        }
        this.pos = lt;
      }
      const next = xml.charCodeAt(lt + 1);
      if (next === 0x2f /* / */) {
        let at = lt + 2 + name.length;
        if (!xml.startsWith(name, lt + 2) || isNameChar(xml.charCodeAt(at))) {
          throw xmlError(`end tag </${this.name(lt + 2) ?? ''}> does not match <${name}>`);
        }
        while (isSpace(xml.charCodeAt(at))) at++;
        if (xml.charCodeAt(at) !== 0x3e) throw xmlError(`malformed end tag </${name}>`);
        this.pos = at + 1;
        break;
      }
      if (next === 0x21 /* ! */) {
        if (xml.startsWith('<![CDATA[', lt)) {
          const end = xml.indexOf(']]>', lt + 9);
          if (end === -1) throw xmlError('unterminated CDATA section');
          text += xml.slice(lt + 9, end);
          kept = text.length;
          sawCdata = true;
          if (end > lt + 9) significant = true;
          this.pos = end + 3;
        } else if (xml.startsWith('<!--', lt)) {
          this.comment();
        } else {
          throw xmlError('DOCTYPE and ENTITY declarations are not allowed');
        }
        continue;
      }
      if (next === 0x3f /* ? */) {
        this.pi();
        continue;
      }
      if (depth >= MAX_DEPTH) throw xmlError(`elements nested deeper than ${MAX_DEPTH}`);
      const child = this.name(lt + 1);
      if (child === undefined) throw xmlError(`not a valid element name at offset ${lt + 1}`);
      if (child === '__proto__') throw xmlError('the element name __proto__ is not allowed');
      const value = this.element(depth + 1);
      children ??= {};
      const seen = children[child];
      if (seen === undefined) children[child] = value;
      else if (Array.isArray(seen)) seen.push(value);
      else children[child] = [seen, value];
    }
    if (children !== undefined) {
      if (significant) throw xmlError(`<${name}> mixes text with child elements`);
      return children;
    }
    return kept === text.length ? text : text.slice(0, kept) + trimEnd(text.slice(kept));
  }

  /** Bare text in [from, to): references decoded; `]]>` refused (§2.4). Scans only its own range. */
  private text(from: number, to: number): string {
    const xml = this.xml;
    let out = '';
    let start = from;
    for (let i = from; i < to; i++) {
      const c = xml.charCodeAt(i);
      if (c === 0x5d /* ] */) {
        if (xml.charCodeAt(i + 1) === 0x5d && xml.charCodeAt(i + 2) === 0x3e) {
          throw xmlError('"]]>" is not allowed in text outside CDATA');
        }
      } else if (c === 0x26 /* & */) {
        out += xml.slice(start, i);
        REFERENCE.lastIndex = i;
        const m = REFERENCE.exec(xml);
        if (m === null) {
          throw xmlError(
            /^&[A-Za-z_:][\w.:-]*;/.test(xml.slice(i, Math.min(to, i + 64)))
              ? 'undeclared entity reference in text'
              : 'a bare "&" in text',
          );
        }
        if (m[1] !== undefined) {
          out += PREDEFINED[m[1]] as string;
        } else {
          const code = m[2] !== undefined ? Number(m[2]) : parseInt(m[3] as string, 16);
          if (!isCharCode(code)) throw xmlError(`character reference ${m[0]} is not an XML character`);
          out += String.fromCodePoint(code);
        }
        start = REFERENCE.lastIndex;
        i = start - 1;
      }
    }
    return start === from ? xml.slice(from, to) : out + xml.slice(start, to);
  }

  /** At `<!--`: a comment, which may not contain `--` (§2.5). */
  private comment(): void {
    const end = this.xml.indexOf('--', this.pos + 4);
    if (end === -1) throw xmlError('unterminated comment');
    if (this.xml.charCodeAt(end + 2) !== 0x3e) throw xmlError('"--" inside a comment');
    this.pos = end + 3;
  }

  /** At `<?`: a processing instruction; its target may not be `xml` (§2.6). */
  private pi(): void {
    const xml = this.xml;
    const target = this.name(this.pos + 2);
    if (target === undefined) throw xmlError('malformed processing instruction');
    if (target.toLowerCase() === 'xml') throw xmlError('an XML declaration is allowed only at the start');
    const after = this.pos + 2 + target.length;
    const end = xml.indexOf('?>', after);
    if (end === -1) throw xmlError('unterminated processing instruction');
    if (end !== after && !isSpace(xml.charCodeAt(after))) throw xmlError('malformed processing instruction');
    this.pos = end + 2;
  }
}

/** A character that continues a name of WeChat's subset. */
function isNameChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x5f ||
    c === 0x2e ||
    c === 0x2d
  );
}

/** XML 1.0 Char (§2.2) as a code point. */
function isCharCode(c: number): boolean {
  return (
    c === 0x9 ||
    c === 0xa ||
    c === 0xd ||
    (c >= 0x20 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd) ||
    (c >= 0x10000 && c <= 0x10ffff)
  );
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isSpace(s.charCodeAt(i))) return false;
  return true;
}

/** Trims XML white space only (§2.3 S), not every Unicode space as String#trim does. */
function trimStart(s: string): string {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i === 0 ? s : s.slice(i);
}

function trimEnd(s: string): string {
  let i = s.length;
  while (i > 0 && isSpace(s.charCodeAt(i - 1))) i--;
  return i === s.length ? s : s.slice(0, i);
}
