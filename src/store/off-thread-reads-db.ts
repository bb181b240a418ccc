import type { Db, Dialect, DialectSql, SqlValue, Transaction } from './db.js';
import { WRITES, type SqliteReadWorker } from './sqlite-read-worker.js';

/**
 * The database as the operator's side of the server sees it (admin API, console): statements that only read,
 * outside a transaction, are answered by the read worker's connection, off the thread that answers WeChat;
 * writes and transactions go to the main connection, so they stay serialised with the pushes' writes. A
 * write commits before its promise resolves, so a read that follows it (a new snapshot) sees it.
 *
 * If the worker died, reads fall back to the main connection: slower for pushes, never wrong.
 */
export class OffThreadReadsDb implements Db {
  readonly dialect: Dialect;
  readonly sql: DialectSql;

  constructor(
    private readonly main: Db,
    private readonly reader: SqliteReadWorker,
  ) {
    this.dialect = main.dialect;
    this.sql = main.sql;
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const rows = await this.read(() => this.reader.all<T>(sql, params));
    return rows === WRITES ? this.main.all<T>(sql, params) : rows;
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    const row = await this.read(() => this.reader.get<T>(sql, params));
    return row === WRITES ? this.main.get<T>(sql, params) : row;
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.main.run(sql, params);
  }

  transaction<T>(body: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.main.transaction(body);
  }

  exclusive<T>(body: (db: Db) => Promise<T>): Promise<T> {
    return this.main.exclusive(body);
  }

  /** The store that made this view closes the connection and the worker. */
  async close(): Promise<void> {}

  /** Runs a read in the worker; WRITES (or a dead worker) sends it to the main connection. */
  private async read<R>(inWorker: () => Promise<R>): Promise<R | typeof WRITES> {
    if (!this.reader.alive) return WRITES;
    try {
      return await inWorker();
    } catch (error) {
      if (!this.reader.alive) return WRITES;
      throw error;
    }
  }
}
