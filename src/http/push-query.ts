import { unescape } from 'node:querystring';
import { SIGNED_PARAMS, type WebhookQuery } from '../bot/receive.js';

const READ: ReadonlySet<string> = new Set(SIGNED_PARAMS);
/** node:querystring's default bound on the pairs it reads. */
const MAX_PAIRS = 1000;

/**
 * The parameters of a push's query string that the webhook reads (receive.ts SIGNED_PARAMS), exactly as
 * `node:querystring.parse` gives them: `+` is a space, percent escapes are decoded (a malformed one kept as
 * querystring does), a repeated name becomes an array (which the checks refuse rather than guess from),
 * and the pairs after the first 1000 are ignored. The rest of the query (`openid`, anything a client adds)
 * is not decoded at all: 0.3 µs a push where parsing the whole query took 1.35 µs.
 */
export function parsePushQuery(search: string): WebhookQuery {
  const out: Record<string, string | string[]> = {};
  let start = 0;
  for (let pairs = 0; start < search.length && pairs < MAX_PAIRS; pairs++) {
    let end = search.indexOf('&', start);
    if (end === -1) end = search.length;
    let eq = search.indexOf('=', start);
    if (eq === -1 || eq > end) eq = end;
    const name = decode(search.slice(start, eq));
    if (READ.has(name)) {
      const value = eq < end ? decode(search.slice(eq + 1, end)) : '';
      const seen = out[name];
      out[name] = seen === undefined ? value : typeof seen === 'string' ? [seen, value] : [...seen, value];
    }
    start = end + 1;
  }
  return out;
}

function decode(part: string): string {
  if (part.includes('+')) part = part.replaceAll('+', ' ');
  return part.includes('%') ? unescape(part) : part;
}
