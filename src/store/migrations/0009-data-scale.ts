import type { Migration } from '../migrate.js';

/**
 * Issue 11, data scale: reads that walked a million followers or events. Measured at 1 M followers on SQLite:
 * the UnionID filter, the console search and /api/unions took 2 s (SQLite walked the primary key in openid
 * order rather than use `followers_unionid`), GET /api/scenes 4 s (it grouped every event of the account).
 * Version 9: other schema steps of the same release take 2–8.
 */
export const dataScale: Migration = {
  version: 9,
  name: 'data-scale',
  up: ({ int64, keyText }) => [
    // Equality on unionid and appid, then openid order: the follower list's `unionid = ? … ORDER BY openid`
    // and the union lookup's `ORDER BY appid, openid` read it in order, so no planner can prefer walking the
    // primary key to avoid a sort. It replaces the unionid-only index, a prefix of it.
    `CREATE INDEX followers_union ON followers (unionid, appid, openid) WHERE unionid IS NOT NULL`,
    `DROP INDEX followers_unionid`,
    `CREATE INDEX oauth_identities_union ON oauth_identities (unionid, appid, openid) WHERE unionid IS NOT NULL`,
    `DROP INDEX oauth_identities_unionid`,

    // The enrichment queue in the order claimForEnrichment takes it: after a sync a million followers wait
    // with the same enrich_after, and an index on enrich_after alone made every claim sort all of them.
    `CREATE INDEX followers_enrichment_order ON followers (enrich_after, appid, openid) WHERE needs_enrichment = 1`,
    `DROP INDEX followers_enrichment_queue`,

    // GET /api/scenes as kept sums: recordEvent adds a stored event's count in its transaction, only when the
    // event row is new. An unfollow counts for the scene of the follow it ends (follow_scene). Each scene's
    // counts are spread over shards (a hash of the openid) so that the pushes of one QR campaign, all for
    // one scene, seldom wait on one row; any shard may hold any part of the sum (the backfill uses 0).
    `CREATE TABLE scene_stats (
      appid ${keyText} NOT NULL,
      scene ${keyText} NOT NULL,
      shard INTEGER NOT NULL,
      scans ${int64} NOT NULL,
      subscribes ${int64} NOT NULL,
      unsubscribes ${int64} NOT NULL,
      PRIMARY KEY (appid, scene, shard)
    )`,
    `INSERT INTO scene_stats (appid, scene, shard, scans, subscribes, unsubscribes)
      SELECT appid, s, 0,
        SUM(CASE WHEN type = 'scan' THEN 1 ELSE 0 END),
        SUM(CASE WHEN type = 'subscribe' THEN 1 ELSE 0 END),
        SUM(CASE WHEN type = 'unsubscribe' THEN 1 ELSE 0 END)
      FROM (
        SELECT appid, type, CASE WHEN type = 'unsubscribe' THEN follow_scene ELSE scene END AS s
        FROM follower_events
      ) attributed
      WHERE s IS NOT NULL
      GROUP BY appid, s`,
  ],
};
