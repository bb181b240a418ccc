/**
 * The thin layer between the repositories and the two databases. Repositories write one SQL text with `?`
 * placeholders; the adapters (sqlite-db.ts, postgres-db.ts) own every dialect difference: placeholder syntax,
 * how a transaction starts, locks, and the few DDL and SQL fragments that differ.
 */

export type Dialect = 'sqlite' | 'postgres';

/** A bound parameter. Booleans become 0/1 and undefined becomes NULL, the same on both databases. */
export type SqlValue = string | number | bigint | boolean | null | undefined;

/** The SQL fragments that differ between the dialects. */
export interface DialectSql {
  /** A 64-bit auto-increment primary key column type. */
  readonly idColumn: string;
  /** A 64-bit integer column type (Unix times in ms, counters). */
  readonly int64: string;
  /** A text column used in keys and keyset paging: byte order on both, so paging and sorting agree. */
  readonly keyText: string;
  /** Appended to a `SELECT … LIMIT n` that picks work rows: other instances skip rows this one holds. */
  readonly skipLocked: string;
  /** Which database: for the few statements (triggers) that cannot be written once for both. */
  readonly dialect: Dialect;
}

/** Runs statements. */
export interface Queryable {
  readonly dialect: Dialect;
  readonly sql: DialectSql;
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Returns the number of rows the statement changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

/** The handle a transaction body gets; valid only until the body's promise settles. */
export interface Transaction extends Queryable {
  /**
   * Serialises this transaction with every other one that locks the same `key`, across instances, until it
   * ends. PostgreSQL: `pg_advisory_xact_lock`. SQLite: nothing to do, `BEGIN IMMEDIATE` already holds the
   * database's single write lock.
   */
  lock(key: string): Promise<void>;
}

/** A database: pooled statements, transactions and a database-wide lock. */
export interface Db extends Queryable {
  /** Runs `body` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(body: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Runs `body` holding a database-wide lock that other instances' `exclusive` calls wait for (migrations at
   * start). PostgreSQL: a session advisory lock on one pooled connection, which `body`'s statements use.
   */
  exclusive<T>(body: (db: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Converts the `?` placeholders of portable SQL to PostgreSQL's `$1, $2, …`. Portable SQL never puts `?` in a literal. */
export function toNumberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Normalises a parameter the same way for both drivers. */
export function bindValue(value: SqlValue): string | number | bigint | null {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}
