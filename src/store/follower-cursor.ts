import type { FollowerSort } from '../followers/follower-repo.js';
import { InvalidCursorError } from './errors.js';

/** Where a page of the follower list ended: the sort key of its last row. */
export interface FollowerCursor {
  openid: string;
  /** COALESCE(subscribe_time, 0) of the last row; only for the follow-time orders. */
  time: number;
}

/**
 * The opaque `nextCursor` of the follower list: the sort key of a page's last row, so the next page starts
 * after it (keyset paging: stable while rows are added, and no OFFSET scan). The openid order keeps its first
 * form (`{o}`), so links issued before the follow-time orders still work; the others name their order, so a
 * cursor of one order is not taken by another.
 */
export function encodeFollowerCursor(sort: FollowerSort, last: FollowerCursor): string {
  const payload = sort === 'openid' ? { o: last.openid } : { s: sort, t: last.time, o: last.openid };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/** Reads a cursor issued by {@link encodeFollowerCursor} for `sort`; throws InvalidCursorError for anything else. */
export function decodeFollowerCursor(sort: FollowerSort, cursor: string): FollowerCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null) {
      const { o, s, t } = parsed as Record<string, unknown>;
      if (typeof o === 'string') {
        if (sort === 'openid' && s === undefined) return { openid: o, time: 0 };
        if (s === sort && Number.isSafeInteger(t)) return { openid: o, time: t as number };
      }
    }
  } catch {
    // Not base64url JSON: fall through to the one error callers handle.
  }
  throw new InvalidCursorError(
    'cursor is not one this server issued for this order; start again without a cursor',
  );
}
