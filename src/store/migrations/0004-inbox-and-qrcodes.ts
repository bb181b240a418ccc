import type { Migration } from '../migrate.js';

/**
 * Issue 10: a paged inbox with counts and an unanswered filter, and every QR code created through wxoa kept.
 * The inbox pages and counts read the `conversations` summary (one row per follower, kept by MessageRepo.add),
 * never `messages`; the partial index holds only unanswered conversations, so the filter's pages and its count
 * read just those rows.
 */
export const inboxAndQrcodes: Migration = {
  version: 4,
  name: 'inbox-and-qrcodes',
  up: ({ idColumn, int64, keyText }) => [
    `CREATE INDEX conversations_unanswered ON conversations (appid, last_create_time, last_message_id)
      WHERE last_direction = 'in'`,

    // Parametric QR codes (WECHAT-PROTOCOL.md §6.5) as WeChat answered them. WeChat has no API to list them
    // again: a code not stored here is lost. Times are Unix milliseconds (wxoa's own).
    `CREATE TABLE qrcodes (
      id ${idColumn},
      appid ${keyText} NOT NULL,
      scene TEXT NOT NULL,
      ticket TEXT NOT NULL,
      url TEXT NOT NULL,
      image_url TEXT NOT NULL,
      permanent INTEGER NOT NULL,
      expires_at ${int64},
      label TEXT,
      created_at ${int64} NOT NULL,
      UNIQUE (appid, ticket)
    )`,
    `CREATE INDEX qrcodes_newest ON qrcodes (appid, created_at, id)`,
  ],
};
