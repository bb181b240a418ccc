import type { Migration } from '../migrate.js';

/**
 * Issue 10: a paged inbox with counts and an unanswered filter, and every QR code created through wxoa kept.
 * The inbox pages read the `conversations` summary (one row per follower, kept by MessageRepo.add), never
 * `messages`; the partial index holds only unanswered conversations, so the filter's pages read just those.
 * The counts are kept as they change, in a few rows per account: counting a million index entries took
 * 130 ms on SQLite, which blocks the event loop, and the console asks for them every few seconds.
 */
export const inboxAndQrcodes: Migration = {
  version: 4,
  name: 'inbox-and-qrcodes',
  up: ({ idColumn, int64, keyText }) => [
    `CREATE INDEX conversations_unanswered ON conversations (appid, last_create_time, last_message_id)
      WHERE last_direction = 'in'`,

    // Conversations and unanswered ones per account, as sums over shards: MessageRepo.add moves the shard of
    // the conversation's openid, so concurrent writers rarely wait on one row. Any shard may hold any part
    // of the sum: the existing conversations are counted into shard 0.
    `CREATE TABLE conversation_counts (
      appid ${keyText} NOT NULL,
      shard INTEGER NOT NULL,
      total ${int64} NOT NULL,
      unanswered ${int64} NOT NULL,
      PRIMARY KEY (appid, shard)
    )`,
    `INSERT INTO conversation_counts (appid, shard, total, unanswered)
      SELECT appid, 0, COUNT(*), SUM(CASE WHEN last_direction = 'in' THEN 1 ELSE 0 END)
      FROM conversations GROUP BY appid`,

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
