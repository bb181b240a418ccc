import type { FollowerFilter } from './follower-repo.js';

/** A filter of `wxoa followers export` (or the console's Export) that cannot be right. */
export class ExportFilterError extends Error {
  override readonly name = 'ExportFilterError';
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads `--since`: an ISO 8601 date (`2026-03-01`, midnight UTC) or date and time with its offset
 * (`2026-03-01T08:00:00+08:00`, `…Z`), as Unix seconds. A time without an offset is refused rather than read
 * in whatever zone the shell has; so is a date that does not exist (`2026-02-30`).
 */
export function parseSince(text: string): number {
  const value = text.trim();
  const date = DATE.exec(value);
  const dateTime = date ? null : DATE_TIME.exec(value);
  const parts = date ?? dateTime;
  if (!parts) {
    throw new ExportFilterError(
      `--since must be an ISO 8601 date (2026-03-01) or date and time with an offset (2026-03-01T08:00:00+08:00 or …Z); got "${text}"`,
    );
  }
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const [hour, minute, second] = dateTime
    ? [Number(dateTime[4]), Number(dateTime[5]), Number(dateTime[6] ?? 0)]
    : [0, 0, 0];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (
    calendar.getUTCFullYear() !== year ||
    calendar.getUTCMonth() !== month - 1 ||
    calendar.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new ExportFilterError(`--since is not a real date and time: "${text}"`);
  }
  const ms = date ? calendar.getTime() : Date.parse(value);
  if (Number.isNaN(ms)) throw new ExportFilterError(`--since is not a real date and time: "${text}"`);
  return Math.floor(ms / 1000);
}

/** The filter of `wxoa followers export` from its flags, every problem named at once. */
export function exportFilter(opts: { subscribed?: boolean; scene?: string; since?: string }): FollowerFilter {
  const filter: FollowerFilter = {};
  const problems: string[] = [];
  if (opts.subscribed) filter.subscribed = true;
  if (opts.scene !== undefined) {
    const scene = opts.scene.trim();
    if (scene === '' || scene.length > 64) problems.push('--scene must be 1 to 64 characters (a QR scene)');
    else filter.scene = scene;
  }
  if (opts.since !== undefined) {
    try {
      filter.since = parseSince(opts.since);
    } catch (err) {
      if (!(err instanceof ExportFilterError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length) throw new ExportFilterError(problems.join('\n'));
  return filter;
}
