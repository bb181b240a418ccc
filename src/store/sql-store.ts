import type { Logger } from '../logger.js';
import type { Db } from './db.js';
import { SqlAuthFailureRepo } from './sql-auth-failure-repo.js';
import { SqlConsoleSessionRepo } from './sql-console-session-repo.js';
import { SqlApiStatusRepo } from './sql-api-status-repo.js';
import { SqlFollowerRepo } from './sql-follower-repo.js';
import { SqlMessageRepo } from './sql-message-repo.js';
import { SqlOAuthRepo } from './sql-oauth-repo.js';
import { SqlQrCodeRepo } from './sql-qrcode-repo.js';
import { SqlReplyRecordStore } from './sql-reply-store.js';
import { SqlSyncRunRepo } from './sql-sync-run-repo.js';
import { SqlSyncStateRepo } from './sql-sync-state-repo.js';
import { SqlTokenStore } from './sql-token-store.js';
import { SqlTagRepo } from './sql-tag-repo.js';
import { SqlFollowerJobRepo } from './sql-follower-job-repo.js';
import { refreshStatistics } from './statistics.js';
import type { Store } from './types.js';

const STATISTICS_INTERVAL_MS = 60 * 60 * 1000;

/** What the repositories share. */
export interface SqlStoreOptions {
  /** Unix milliseconds. */
  clock: () => number;
  logger: Logger;
  /** Rows per keyset page of followers.iterate(). */
  pageSize?: number;
}

/** The Store over an open, migrated database. */
export function createSqlStore(db: Db, options: SqlStoreOptions): Store {
  const { clock, logger } = options;
  let closing: Promise<void> | undefined;
  // SQLite keeps no statistics by itself; a long-running server re-checks them now and then (a few ms when
  // nothing grew much), as SQLite advises for long-lived connections. PostgreSQL has autovacuum.
  const statistics =
    db.dialect === 'sqlite'
      ? setInterval(() => {
          refreshStatistics(db).catch((error: unknown) =>
            logger.warn({ err: error }, 'could not refresh the query planner statistics'),
          );
        }, STATISTICS_INTERVAL_MS).unref()
      : undefined;
  return {
    kind: db.dialect,
    followers: new SqlFollowerRepo(db, {
      clock,
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    }),
    messages: new SqlMessageRepo(db, { clock }),
    oauth: new SqlOAuthRepo(db, { clock, logger }),
    syncState: new SqlSyncStateRepo(db, clock),
    syncRuns: new SqlSyncRunRepo(db, clock),
    qrcodes: new SqlQrCodeRepo(db),
    tokens: new SqlTokenStore(db, clock),
    replies: new SqlReplyRecordStore(db, { clock, logger }),
    consoleSessions: new SqlConsoleSessionRepo(db, clock),
    authFailures: new SqlAuthFailureRepo(db, { logger }),
    apiStatus: new SqlApiStatusRepo(db),
    tags: new SqlTagRepo(db, clock),
    followerJobs: new SqlFollowerJobRepo(db, clock),
    async ping() {
      await db.get('SELECT 1 AS ok');
    },
    close() {
      // Shutdown paths (SIGTERM handler, test teardown) may both close; the second call waits for the first.
      clearInterval(statistics);
      closing ??= db.close();
      return closing;
    },
  };
}
