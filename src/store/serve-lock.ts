import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { parseDatabaseUrl } from './database-url.js';

/** Another live process already serves this SQLite file. */
export class ServeLockError extends Error {
  constructor(readonly databasePath: string) {
    super(
      `another wxoa server is serving ${databasePath}: one SQLite file is served by one process ` +
        '(stop the other one, or run several instances on one PostgreSQL database with DATABASE_URL)',
    );
    this.name = 'ServeLockError';
  }
}

/** What `release()` frees; holding it keeps other servers off the file. */
export interface ServeLock {
  release(): void;
}

/**
 * Claims a SQLite database for this process's server, until `release()` or the process's end.
 *
 * Why: on SQLite a push's retry claim is held in the serving process, not written (sql-reply-store.ts), which
 * is sound only while one process serves the file; a second one could run a retried push's handlers again.
 * Other commands (`wxoa sync`, `qrcode list`) do not take the lock and still share the file.
 *
 * How: an exclusive SQLite lock on a small file beside the database. SQLite's locks are the operating
 * system's (fcntl), so a process killed with SIGKILL leaves none behind, unlike a pid file. PostgreSQL and an
 * in-memory database need no lock: the former keeps its claims in the database.
 */
export function acquireServeLock(databaseUrl: string): ServeLock {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind !== 'sqlite' || target.path === ':memory:') return { release() {} };
  // The database's folder may not exist yet: the store creates it the same way when it opens the file.
  mkdirSync(dirname(resolve(target.path)), { recursive: true, mode: 0o700 });
  const lock = new Database(`${target.path}.serve-lock`, { timeout: 0 });
  try {
    // Rollback journal (not WAL): the exclusive lock then covers the whole file and is held until closed.
    lock.pragma('journal_mode = DELETE');
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw new ServeLockError(target.path);
    throw error;
  }
  return {
    release() {
      if (lock.open) lock.close();
    },
  };
}
