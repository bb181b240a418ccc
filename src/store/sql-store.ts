import type { Logger } from '../logger.js';
import type { Db } from './db.js';
import { SqlAuthFailureRepo } from './sql-auth-failure-repo.js';
import { SqlComponentRepo } from './sql-component-repo.js';
import { SqlConsoleSessionRepo } from './sql-console-session-repo.js';
import { SqlApiStatusRepo } from './sql-api-status-repo.js';
import { SqlFollowerRepo } from './sql-follower-repo.js';
import { SqlIdentityRepo } from './sql-identity-repo.js';
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
import { OffThreadReadsDb } from './off-thread-reads-db.js';
import type { SqliteReadWorker } from './sqlite-read-worker.js';
import type { Store } from './types.js';

const STATISTICS_INTERVAL_MS = 60 * 60 * 1000;

/** What the repositories share. */
export interface SqlStoreOptions {
  /** Unix milliseconds. */
  clock: () => number;
  logger: Logger;
  /** Rows per keyset page of followers.iterate(). */
  pageSize?: number;
  /**
   * SQLite: the read-only connection in a worker thread that answers `store.admin`'s reads (closed with the
   * store). Without one, `store.admin` is the store itself.
   */
  reader?: SqliteReadWorker;
}

/** The Store over an open, migrated database. */
export function createSqlStore(db: Db, options: SqlStoreOptions): Store {
  const { logger } = options;
  let closing: Promise<void> | undefined;
  // SQLite keeps no statistics by itself; a long-running server re-checks them now and then (a few ms when
  // nothing grew much), as SQLite advises for long-lived connections. PostgreSQL has autovacuum.
  const statistics =
    db.dialect === 'sqlite'
      ? setInterval(() => {
          refreshStatistics(db)
            .then(() => options.reader?.reopen())
            .catch((error: unknown) =>
              logger.warn({ err: error }, 'could not refresh the query planner statistics'),
            );
        }, STATISTICS_INTERVAL_MS).unref()
      : undefined;
  const close = () => {
    // Shutdown paths (SIGTERM handler, test teardown) may both close; the second call waits for the first.
    clearInterval(statistics);
    closing ??= (async () => {
      await options.reader?.close();
      await db.close();
    })();
    return closing;
  };
  const main = repositories(db, options);
  // The operator's view: the same repositories over a Db whose reads run in the worker (issue 11: no admin
  // read blocks the thread that answers WeChat). Its writes are the main connection's.
  const view = options.reader ? repositories(new OffThreadReadsDb(db, options.reader), options) : main;
  const store: Store = {
    ...main,
    get admin() {
      return admin;
    },
    close,
  };
  const admin: Store =
    view === main
      ? store
      : {
          ...view,
          get admin() {
            return admin;
          },
          close,
        };
  return store;
}

/** The repositories over `db`, and ping. */
function repositories(db: Db, options: SqlStoreOptions): Omit<Store, 'admin' | 'close'> {
  const { clock, logger } = options;
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
    identities: new SqlIdentityRepo(db, clock),
    component: new SqlComponentRepo(db, clock),
    tags: new SqlTagRepo(db, clock),
    followerJobs: new SqlFollowerJobRepo(db, clock),
    async ping() {
      await db.get('SELECT 1 AS ok');
    },
  };
}
