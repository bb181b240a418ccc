import type { Migration } from '../migrate.js';

/**
 * Issue 11, storage a follower: about 1 KB at 1 M followers, 60 % of it follower_events, where every event
 * carried its delivery's dedup key (a long string, plus a permanent unique index on it) and the QR code's
 * ~100-character ticket.
 *
 * - A retried delivery is recognised by the expiring reply_records (INTERFACE.md §3: WeChat retries within
 *   seconds; kept there for the reply's TTL, purged in batches). The event itself is kept unique by its own
 *   identity, FromUserName + CreateTime + Event + EventKey (the scene): the primary key (appid, openid,
 *   create_time, type, scene), so an event is recorded once even when a delivery arrives after the dedup
 *   window. `scene` is '' for an event without one (NULL would never collide in a key).
 * - On SQLite the table is WITHOUT ROWID: the key is the table, no second copy of the columns in an index;
 *   it also serves a follower's history (appid, openid, create_time), which had an index of its own.
 * - A ticket is kept once per code in event_tickets, not on every event.
 *
 * Existing events are kept (two with the same identity were one push: the first stays).
 */
export const compactFollowerEvents: Migration = {
  version: 11,
  name: 'compact-follower-events',
  up: ({ dialect, int64, keyText }) => [
    `CREATE TABLE event_tickets (
      appid ${keyText} NOT NULL,
      ticket ${keyText} NOT NULL,
      scene TEXT,
      first_seen ${int64} NOT NULL,
      PRIMARY KEY (appid, ticket)
    )`,
    `INSERT INTO event_tickets (appid, ticket, scene, first_seen)
      SELECT appid, ticket, MIN(scene), MIN(create_time) FROM follower_events
      WHERE ticket IS NOT NULL GROUP BY appid, ticket`,
    ...(dialect === 'sqlite'
      ? [
          `CREATE TABLE follower_events_v11 (
            appid TEXT NOT NULL,
            openid TEXT NOT NULL,
            create_time INTEGER NOT NULL,
            type TEXT NOT NULL,
            scene TEXT NOT NULL,
            follow_scene TEXT,
            recorded_at INTEGER NOT NULL,
            PRIMARY KEY (appid, openid, create_time, type, scene)
          ) WITHOUT ROWID`,
          `INSERT OR IGNORE INTO follower_events_v11
            (appid, openid, create_time, type, scene, follow_scene, recorded_at)
            SELECT appid, openid, create_time, type, COALESCE(scene, ''), follow_scene, recorded_at
            FROM follower_events ORDER BY id`,
          `DROP TABLE follower_events`,
          `ALTER TABLE follower_events_v11 RENAME TO follower_events`,
        ]
      : [
          `DELETE FROM follower_events a USING follower_events b
            WHERE a.appid = b.appid AND a.openid = b.openid AND a.create_time = b.create_time
              AND a.type = b.type AND COALESCE(a.scene, '') = COALESCE(b.scene, '') AND a.id > b.id`,
          `UPDATE follower_events SET scene = '' WHERE scene IS NULL`,
          `ALTER TABLE follower_events
            DROP COLUMN dedup_key, DROP COLUMN ticket, DROP COLUMN id, ALTER COLUMN scene SET NOT NULL`,
          `ALTER TABLE follower_events ADD PRIMARY KEY (appid, openid, create_time, type, scene)`,
          `DROP INDEX IF EXISTS follower_events_follower`, // gone with the id column it ended with
        ]),
  ],
};
