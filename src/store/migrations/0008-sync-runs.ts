import type { Migration } from '../migrate.js';

/**
 * Every follower sync run, periodic or `wxoa sync` (issue 10: show when the list was last synced and what it
 * changed). A `running` row with a live lease is also the lock that keeps a second instance from syncing the
 * same account at once; the partial unique index makes two running rows of one account impossible. Version
 * 8: other schema steps of the same release take 6 and 7.
 */
export const syncRuns: Migration = {
  version: 8,
  name: 'sync-runs',
  up: ({ idColumn, int64, keyText }) => [
    `CREATE TABLE sync_runs (
      id ${idColumn},
      appid ${keyText} NOT NULL,
      started_by TEXT NOT NULL,
      holder TEXT NOT NULL,
      started_at ${int64} NOT NULL,
      lease_until ${int64} NOT NULL,
      finished_at ${int64},
      outcome TEXT NOT NULL,
      resumed INTEGER NOT NULL,
      listed ${int64} NOT NULL DEFAULT 0,
      newly_found ${int64} NOT NULL DEFAULT 0,
      unsubscribed ${int64} NOT NULL DEFAULT 0,
      enriched ${int64} NOT NULL DEFAULT 0,
      enrich_failed ${int64} NOT NULL DEFAULT 0,
      error TEXT
    )`,
    `CREATE INDEX sync_runs_appid ON sync_runs (appid, id)`,
    `CREATE UNIQUE INDEX sync_runs_one_running ON sync_runs (appid) WHERE outcome = 'running'`,
  ],
};
