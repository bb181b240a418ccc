import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Follower } from './follower.js';
import type { FollowerFilter, FollowerRepo } from './follower-repo.js';
import { followerJson } from './follower-json.js';

/** The formats `wxoa followers export` writes. */
export type ExportFormat = 'csv' | 'jsonl';

/** Every export format, for validating a `--format` flag. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'jsonl'];

/** Options of {@link exportFollowers}. */
export interface ExportOptions {
  format: ExportFormat;
  /** Only this account's followers; all accounts when absent. */
  appid?: string | undefined;
  /** Only the followers this filter takes; all when absent. */
  filter?: FollowerFilter | undefined;
  /** Where rows go. It is not ended: the caller owns it (it may be process.stdout). */
  out: Writable;
  /** The names of an account's tags (the CSV's `tagNames` column); ids alone when absent. */
  tagNames?: ((appid: string) => Promise<ReadonlyMap<number, string>>) | undefined;
}

/** The CSV columns, in order: the follower object of INTERFACE.md §5. */
export const CSV_COLUMNS = [
  'appid',
  'openid',
  'unionid',
  'subscribed',
  'subscribeTime',
  'unsubscribeTime',
  'scene',
  'subscribeScene',
  'qrScene',
  'qrSceneStr',
  'tags',
  'remark',
  'language',
  'enrichedAt',
  'blacklisted',
] as const satisfies readonly (keyof Follower)[];

/** The CSV header: the follower object's columns, then the names of the follower's tags (issue 14). */
export const CSV_HEADER: readonly string[] = [...CSV_COLUMNS, 'tagNames'];

// Rows are gathered into chunks of about this size: one write() a row would cost more in stream
// bookkeeping than in formatting, and the chunk is small enough to keep memory flat.
const CHUNK_CHARS = 64 * 1024;

/**
 * Streams every follower (of one account, or all) to `out` as CSV (RFC 4180, CRLF, with a header row) or
 * JSON Lines. Reads through `followers.iterate()` (keyset pages) and waits for `drain` whenever `out` is
 * full, so memory stays constant for a million rows however slow the reader. Returns the number of rows.
 */
export async function exportFollowers(
  followers: Pick<FollowerRepo, 'iterate'>,
  options: ExportOptions,
): Promise<number> {
  const { out, format } = options;
  let chunk = format === 'csv' ? CSV_HEADER.join(',') + '\r\n' : '';
  // Tag names per account, read once each (a few rows: an account has at most 100 tags).
  const names = new Map<string, ReadonlyMap<number, string>>();
  const namesOf = async (appid: string): Promise<ReadonlyMap<number, string>> => {
    let known = names.get(appid);
    if (!known) {
      known = options.tagNames ? await options.tagNames(appid) : new Map<number, string>();
      names.set(appid, known);
    }
    return known;
  };
  let rows = 0;

  // A reader that goes away (`| head`) must stop the export instead of leaving it waiting for `drain`.
  let failure: unknown = null;
  const onError = (err: unknown) => {
    failure ??= err;
  };
  out.on('error', onError);
  try {
    for await (const follower of followers.iterate(options.appid, options.filter ?? {})) {
      chunk += format === 'csv' ? csvRow(follower, await namesOf(follower.appid)) : jsonlRow(follower);
      rows++;
      if (chunk.length >= CHUNK_CHARS) {
        await write(out, chunk, () => failure);
        chunk = '';
      }
    }
    if (chunk) await write(out, chunk, () => failure);
  } finally {
    out.off('error', onError);
  }
  return rows;
}

async function write(out: Writable, chunk: string, failed: () => unknown): Promise<void> {
  const err = failed();
  if (err) throw err;
  if (out.destroyed || out.writableEnded)
    throw new Error('export output was closed before the export finished');
  if (out.write(chunk)) return;
  // Wait for drain, but give up on error or close; the abort removes whichever listener did not fire.
  const ac = new AbortController();
  try {
    await Promise.race([
      once(out, 'drain', { signal: ac.signal }),
      once(out, 'close', { signal: ac.signal }).then(() => {
        throw failed() ?? new Error('export output was closed before the export finished');
      }),
    ]);
  } finally {
    ac.abort();
  }
}

/** One follower as a JSON Lines row (the admin API's follower object). */
export function jsonlRow(follower: Follower): string {
  return JSON.stringify(followerJson(follower)) + '\n';
}

/** One follower as a CSV row, CRLF-terminated; `tagNames` names its tags in the last column. */
export function csvRow(follower: Follower, tagNames: ReadonlyMap<number, string> = new Map()): string {
  const cells = CSV_COLUMNS.map((column) => {
    const value = follower[column];
    if (value === null || value === undefined) return '';
    if (column === 'tags') return csvCell((value as number[]).join(';'));
    if (typeof value === 'string') return csvCell(neutraliseFormula(value));
    return String(value);
  });
  const named = follower.tags.map((id) => tagNames.get(id) ?? String(id)).join(';');
  cells.push(csvCell(neutraliseFormula(named)));
  return cells.join(',') + '\r\n';
}

/**
 * A spreadsheet runs a cell that starts with = + - @ (and, per OWASP, tab or carriage return) as a formula:
 * a remark or scene chosen by an outsider could then call out of the operator's machine. A leading single
 * quote makes it text. Applied to text columns only, so numbers stay numbers.
 * https://owasp.org/www-community/attacks/CSV_Injection
 */
export function neutraliseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** Quotes a cell when RFC 4180 requires it (comma, quote, line break) or spaces at its ends would be lost. */
export function csvCell(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
