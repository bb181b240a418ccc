import type { Migration } from '../migrate.js';

/**
 * Issue 10, the Followers page: counts (total, following) and the list by follow time.
 *
 * Counts are kept by triggers in a few rows per account, summed when read: counting a million followers took
 * over 100 ms on SQLite (see 0004), on the thread that answers WeChat, and the page asks on every view.
 * Triggers, unlike counting in the repository, see every write (capture, sync, a future one) exactly once,
 * and both databases can run them. PostgreSQL spreads an account over 8 shard rows by openid hash, so
 * concurrent follows rarely wait on one row; SQLite has one writer and uses shard 0.
 *
 * The follow-time order indexes COALESCE(subscribe_time, 0): a follower whose follow time is not known yet
 * (listed by a sync, not enriched) sorts as the oldest on both databases, which order NULLs differently.
 * Version 7: 6 is another step of the same release.
 */
export const followerCountsAndOrder: Migration = {
  version: 7,
  name: 'follower-counts-and-order',
  up: ({ int64, keyText, dialect }) => [
    `CREATE TABLE follower_counts (
      appid ${keyText} NOT NULL,
      shard INTEGER NOT NULL,
      total ${int64} NOT NULL,
      subscribed ${int64} NOT NULL,
      PRIMARY KEY (appid, shard)
    )`,
    `INSERT INTO follower_counts (appid, shard, total, subscribed)
      SELECT appid, 0, COUNT(*), SUM(subscribed) FROM followers GROUP BY appid`,
    `CREATE INDEX followers_followed ON followers (appid, (COALESCE(subscribe_time, 0)), openid)`,
    ...(dialect === 'postgres' ? POSTGRES_TRIGGERS : SQLITE_TRIGGERS),
  ],
};

const SQLITE_TRIGGERS = [
  `CREATE TRIGGER followers_count_insert AFTER INSERT ON followers BEGIN
    INSERT INTO follower_counts (appid, shard, total, subscribed) VALUES (NEW.appid, 0, 1, NEW.subscribed)
      ON CONFLICT (appid, shard) DO UPDATE SET
        total = follower_counts.total + 1, subscribed = follower_counts.subscribed + excluded.subscribed;
  END`,
  `CREATE TRIGGER followers_count_update AFTER UPDATE OF subscribed ON followers
    WHEN OLD.subscribed <> NEW.subscribed BEGIN
    INSERT INTO follower_counts (appid, shard, total, subscribed)
      VALUES (NEW.appid, 0, 0, NEW.subscribed - OLD.subscribed)
      ON CONFLICT (appid, shard) DO UPDATE SET subscribed = follower_counts.subscribed + excluded.subscribed;
  END`,
  `CREATE TRIGGER followers_count_delete AFTER DELETE ON followers BEGIN
    INSERT INTO follower_counts (appid, shard, total, subscribed) VALUES (OLD.appid, 0, -1, -OLD.subscribed)
      ON CONFLICT (appid, shard) DO UPDATE SET
        total = follower_counts.total - 1, subscribed = follower_counts.subscribed + excluded.subscribed;
  END`,
];

// Every change adds its difference to the row's shard, creating the shard row if needed: the rows are parts
// of a sum, and one part may go below zero (the followers counted into shard 0 by the migration leave from
// their own shard).
const POSTGRES_TRIGGERS = [
  `CREATE FUNCTION follower_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $body$
  DECLARE
    row_appid TEXT;
    row_shard INTEGER;
    d_total INTEGER;
    d_subscribed INTEGER;
  BEGIN
    IF TG_OP = 'INSERT' THEN
      row_appid := NEW.appid; row_shard := hashtext(NEW.openid) & 7;
      d_total := 1; d_subscribed := NEW.subscribed;
    ELSIF TG_OP = 'UPDATE' THEN
      IF OLD.subscribed = NEW.subscribed THEN RETURN NULL; END IF;
      row_appid := NEW.appid; row_shard := hashtext(NEW.openid) & 7;
      d_total := 0; d_subscribed := NEW.subscribed - OLD.subscribed;
    ELSE
      row_appid := OLD.appid; row_shard := hashtext(OLD.openid) & 7;
      d_total := -1; d_subscribed := -OLD.subscribed;
    END IF;
    INSERT INTO follower_counts (appid, shard, total, subscribed)
      VALUES (row_appid, row_shard, d_total, d_subscribed)
      ON CONFLICT (appid, shard) DO UPDATE SET
        total = follower_counts.total + excluded.total,
        subscribed = follower_counts.subscribed + excluded.subscribed;
    RETURN NULL;
  END
  $body$`,
  `CREATE TRIGGER followers_count AFTER INSERT OR DELETE OR UPDATE OF subscribed ON followers
    FOR EACH ROW EXECUTE FUNCTION follower_counts_keep()`,
];
