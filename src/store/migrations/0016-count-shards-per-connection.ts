import type { Migration } from '../migrate.js';

/**
 * PostgreSQL only: the kept counts (0007 followers, 0010 conversations) take their shard row from the
 * writing connection, not from the row's openid.
 *
 * With a shard per openid hash, a transaction writing several followers (a sync's `markListed`, a turn's
 * batch of pushes, whose rows are sorted by openid and so land on shards in no order) locked several count
 * rows in an order of its own; two such transactions deadlocked (40P01) as soon as they crossed. With a
 * shard per backend, everything one transaction counts goes to one row, which only another connection of
 * the same shard (pid mod 16) can want: it then waits for the commit and never holds a count row another
 * waits for. Reads sum the shards, so rows counted under the old scheme stay correct parts of the sum.
 * SQLite has one writer and needs nothing.
 */
export const countShardsPerConnection: Migration = {
  version: 16,
  name: 'count-shards-per-connection',
  up: ({ dialect }) =>
    dialect !== 'postgres'
      ? []
      : [
          `CREATE OR REPLACE FUNCTION follower_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $body$
  DECLARE
    row_appid TEXT;
    d_total INTEGER;
    d_subscribed INTEGER;
  BEGIN
    IF TG_OP = 'INSERT' THEN
      row_appid := NEW.appid; d_total := 1; d_subscribed := NEW.subscribed;
    ELSIF TG_OP = 'UPDATE' THEN
      IF OLD.subscribed = NEW.subscribed THEN RETURN NULL; END IF;
      row_appid := NEW.appid; d_total := 0; d_subscribed := NEW.subscribed - OLD.subscribed;
    ELSE
      row_appid := OLD.appid; d_total := -1; d_subscribed := -OLD.subscribed;
    END IF;
    INSERT INTO follower_counts (appid, shard, total, subscribed)
      VALUES (row_appid, pg_backend_pid() & 15, d_total, d_subscribed)
      ON CONFLICT (appid, shard) DO UPDATE SET
        total = follower_counts.total + excluded.total,
        subscribed = follower_counts.subscribed + excluded.subscribed;
    RETURN NULL;
  END
  $body$`,
          `CREATE OR REPLACE FUNCTION conversation_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $body$
  DECLARE
    d_total INTEGER;
    d_unanswered INTEGER;
  BEGIN
    IF TG_OP = 'INSERT' THEN
      d_total := 1;
      d_unanswered := CASE WHEN NEW.last_direction = 'in' THEN 1 ELSE 0 END;
    ELSE
      IF OLD.last_direction = NEW.last_direction THEN RETURN NULL; END IF;
      d_total := 0;
      d_unanswered := CASE WHEN NEW.last_direction = 'in' THEN 1 ELSE -1 END;
    END IF;
    INSERT INTO conversation_counts (appid, shard, total, unanswered)
      VALUES (NEW.appid, pg_backend_pid() & 15, d_total, d_unanswered)
      ON CONFLICT (appid, shard) DO UPDATE SET
        total = conversation_counts.total + excluded.total,
        unanswered = conversation_counts.unanswered + excluded.unanswered;
    RETURN NULL;
  END
  $body$`,
        ],
};
