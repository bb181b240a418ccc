import { InvalidCursorError } from './errors.js';

/**
 * The opaque `nextCursor` of the follower list: the last openid of a page, so the next page starts after it
 * (keyset paging: stable while rows are added, and no OFFSET scan).
 */
export function encodeFollowerCursor(openid: string): string {
  return Buffer.from(JSON.stringify({ o: openid })).toString('base64url');
}

/** Reads a cursor issued by {@link encodeFollowerCursor}; throws InvalidCursorError for anything else. */
export function decodeFollowerCursor(cursor: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { o?: unknown }).o === 'string') {
      return (parsed as { o: string }).o;
    }
  } catch {
    // Not base64url JSON: fall through to the one error callers handle.
  }
  throw new InvalidCursorError('cursor is not one this server issued; start again without a cursor');
}
