import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { AsyncMutex } from './async-mutex.js';
import { bindValue, type Db, type DialectSql, type SqlValue, type Transaction } from './db.js';

/**
 * How long a statement waits for another process's write lock before failing with SQLITE_BUSY (a second
 * `wxoa` command on the same file). better-sqlite3 waits synchronously, so this stays short.
 */
const BUSY_TIMEOUT_MS = 5000;

const SQLITE_SQL: DialectSql = {
  idColumn: 'INTEGER PRIMARY KEY',
  int64: 'INTEGER',
  keyText: 'TEXT',
  skipLocked: '',
  dialect: 'sqlite',
};

type Statement = Database.Statement<unknown[], unknown>;

/** Opens (creating the file and its folder on first start) an SQLite database in WAL mode. */
export function openSqliteDb(path: string): Db {
  const memory = path === ':memory:';
  if (!memory) {
    mkdirSync(dirname(resolve(path)), { recursive: true, mode: 0o700 });
    // The file holds access tokens: created readable by its owner only. SQLite gives the -wal and -shm files
    // it creates beside it the same mode.
    if (!existsSync(path)) {
      try {
        writeFileSync(path, '', { mode: 0o600, flag: 'wx' });
      } catch (err) {
        // Another process starting at the same moment created it first.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }
  const conn = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  // WAL lets readers (a `wxoa followers export`) run while the server writes; NORMAL is safe under WAL.
  if (!memory) conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  conn.pragma('foreign_keys = ON');
  return new SqliteDb(conn);
}

class SqliteDb implements Db {
  readonly dialect = 'sqlite';
  readonly sql = SQLITE_SQL;
  private readonly mutex = new AsyncMutex();
  // Portable SQL is static text, except the few multi-row statements whose size varies: bound the cache.
  private readonly statements = new LRUCache<string, Statement>({ max: 500 });

  constructor(private readonly conn: Database.Database) {}

  all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.outside(() => this.execAll<T>(sql, params));
  }

  get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.outside(() => this.execGet<T>(sql, params));
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.outside(() => this.execRun(sql, params));
  }

  async transaction<T>(body: (tx: Transaction) => Promise<T>): Promise<T> {
    await this.mutex.acquire();
    const tx = new SqliteTransaction(this);
    try {
      // IMMEDIATE takes the write lock now, so two processes cannot both read and then fail to upgrade.
      this.conn.exec('BEGIN IMMEDIATE');
      const result = await body(tx);
      this.conn.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.conn.inTransaction) this.conn.exec('ROLLBACK');
      throw error;
    } finally {
      tx.end();
      this.mutex.release();
    }
  }

  exclusive<T>(body: (db: Db) => Promise<T>): Promise<T> {
    // One connection per process, and BEGIN IMMEDIATE serialises processes: transactions are lock enough.
    return body(this);
  }

  async close(): Promise<void> {
    await this.mutex.acquire();
    try {
      this.statements.clear();
      this.conn.close();
    } finally {
      this.mutex.release();
    }
  }

  /** @internal Runs on the connection; callers hold the mutex or are inside the transaction that does. */
  execAll<T>(sql: string, params: readonly SqlValue[]): T[] {
    return this.prepare(sql).all(...params.map(bindValue)) as T[];
  }

  /** @internal */
  execGet<T>(sql: string, params: readonly SqlValue[]): T | undefined {
    return this.prepare(sql).get(...params.map(bindValue)) as T | undefined;
  }

  /** @internal */
  execRun(sql: string, params: readonly SqlValue[]): number {
    return this.prepare(sql).run(...params.map(bindValue)).changes;
  }

  /** A statement outside any transaction: waits while a transaction of this process is open. */
  private async outside<T>(exec: () => T): Promise<T> {
    if (!this.mutex.isHeld) return exec();
    await this.mutex.acquire();
    try {
      return exec();
    } finally {
      this.mutex.release();
    }
  }

  private prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.conn.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

class SqliteTransaction implements Transaction {
  readonly dialect = 'sqlite';
  readonly sql = SQLITE_SQL;
  private open = true;

  constructor(private readonly db: SqliteDb) {}

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    this.check();
    return this.db.execAll<T>(sql, params);
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    this.check();
    return this.db.execGet<T>(sql, params);
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    this.check();
    return this.db.execRun(sql, params);
  }

  async lock(_key: string): Promise<void> {
    this.check();
  }

  end(): void {
    this.open = false;
  }

  private check(): void {
    // A statement after the body settled would run outside the transaction and without the mutex.
    if (!this.open) throw new Error('transaction already ended: await every statement inside its body');
  }
}
