import { silentLogger, type Logger } from '../logger.js';
import { parseDatabaseUrl } from './database-url.js';
import type { Db } from './db.js';
import { migrate } from './migrate.js';
import { migrations } from './migrations/index.js';
import { openPostgresDb } from './postgres-db.js';
import { openSqliteDb } from './sqlite-db.js';
import { refreshStatistics } from './statistics.js';
import { createSqlStore } from './sql-store.js';
import { SqliteReadWorker, type SqliteReadWorkerOptions } from './sqlite-read-worker.js';
import type { Store } from './types.js';

export type * from './types.js';
export { DatabaseUrlError, InvalidCursorError, SchemaVersionError } from './errors.js';
export { parseDatabaseUrl, type DatabaseTarget } from './database-url.js';
export { acquireServeLock, ServeLockError, type ServeLock } from './serve-lock.js';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Migrations and background housekeeping report here; silent by default. */
  logger?: Logger;
  /** Unix milliseconds: leases, expiries, enrichedAt. Injectable for tests. */
  clock?: () => number;
  /** Called with the migrations this start applied: `[1, …]` means the database was new. */
  onMigrated?: (applied: number[]) => void;
  /**
   * SQLite file: the worker thread that answers `store.admin`'s reads (on by default; `false` keeps every
   * read on the main connection, for one-shot commands that answer no pushes).
   */
  readWorker?: false | SqliteReadWorkerOptions;
}

/**
 * Opens the database named by DATABASE_URL and brings its schema up to date: `sqlite:PATH` (file and folder
 * created on first start; `sqlite::memory:` for tests) or `postgres://…` / `postgresql://…`. Several instances
 * may start at once against one PostgreSQL database. Throws DatabaseUrlError for any other URL, and whatever
 * the driver throws when the database cannot be reached.
 */
export async function openStore(databaseUrl: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const logger = opts.logger ?? silentLogger;
  const clock = opts.clock ?? Date.now;
  const target = parseDatabaseUrl(databaseUrl);
  const db: Db =
    target.kind === 'sqlite' ? openSqliteDb(target.path) : openPostgresDb(target.connectionString, logger);
  try {
    const applied = await migrate(db, migrations, logger);
    // SQLite checks cheaply which tables grew since last analyzed; PostgreSQL analyzes after a schema change
    // (new indexes, backfilled tables) and otherwise leaves it to autovacuum.
    if (db.dialect === 'sqlite') await refreshStatistics(db, [], { allTables: true });
    else if (applied.length > 0) await refreshStatistics(db);
    opts.onMigrated?.(applied);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  // Opened after the migrations: the worker's read-only connection cannot create the file or its schema.
  const reader =
    target.kind === 'sqlite' && target.path !== ':memory:' && opts.readWorker !== false
      ? new SqliteReadWorker(target.path, opts.readWorker ?? {})
      : undefined;
  return createSqlStore(db, { clock, logger, ...(reader ? { reader } : {}) });
}
