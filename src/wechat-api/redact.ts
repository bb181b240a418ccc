/**
 * Scrubbing of secrets from text that leaves the client. The transport never puts a query string in an
 * error or a log line; this is the second line of defence for text we do not control (WeChat's `errmsg`,
 * the message of an error thrown by `fetch`, which may quote the URL).
 */

const REDACTED = '[redacted]';

/** A URL's query string (and fragment): where tokens, secrets and OAuth codes travel. */
const URL_QUERY = /(https?:\/\/[^\s?#"'<>]*)[?#][^\s"'<>]*/g;

/**
 * `text` with the query of every URL in it dropped and every occurrence of each non-empty secret replaced
 * by `[redacted]`.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text.replace(URL_QUERY, '$1');
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/**
 * A copy of `err` fit to be an error's `cause`: same name, `code` and scrubbed message, without the
 * original's own cause chain (undici's can hold the request).
 */
export function redactedCause(err: unknown, secrets: readonly string[]): Error {
  if (!(err instanceof Error)) return new Error(redact(String(err), secrets));
  const copy = new Error(redact(err.message, secrets)) as Error & { code?: unknown };
  copy.name = err.name;
  const code = networkErrorCode(err);
  if (code !== undefined) copy.code = code;
  return copy;
}

/** The system error code (`ECONNREFUSED` …) of a failed `fetch`: undici puts it on the cause. */
export function networkErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
