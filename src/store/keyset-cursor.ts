import { InvalidCursorError } from './errors.js';

/**
 * The opaque `nextCursor` of the newest-first lists (the inbox, a conversation's messages, QR codes): the sort
 * key of a page's last row, a time and a row id, so the next page starts right after it (keyset paging, as
 * the follower list does in follower-cursor.ts: no OFFSET scan, and stable while rows are added). `kind`
 * keeps a cursor of one list from being taken by another.
 */
export function encodeKeysetCursor(kind: string, time: number, id: number): string {
  return Buffer.from(JSON.stringify({ k: kind, t: time, i: id })).toString('base64url');
}

/** Reads a cursor issued by {@link encodeKeysetCursor} for `kind`; throws InvalidCursorError for anything else. */
export function decodeKeysetCursor(kind: string, cursor: string): { time: number; id: number } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      const { k, t, i } = parsed as Record<string, unknown>;
      if (k === kind && Number.isSafeInteger(t) && Number.isSafeInteger(i)) {
        return { time: t as number, id: i as number };
      }
    }
  } catch {
    // Not base64url JSON: fall through to the one error callers handle.
  }
  throw new InvalidCursorError(
    'cursor is not one this server issued for this list; start again without a cursor',
  );
}
