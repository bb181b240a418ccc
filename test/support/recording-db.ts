import type { Db, SqlValue } from '../../src/store/db.js';

/** A statement a {@link recordingDb} saw, to be explained (EXPLAIN / EXPLAIN QUERY PLAN) by a plan test. */
export interface RecordedStatement {
  sql: string;
  params: readonly SqlValue[];
}

/**
 * A Db passing everything through to the real one and remembering each statement whose text `kept` matches
 * (default: reads), so a plan test checks the statements the repositories really send, not copies of them.
 */
export function recordingDb(db: Db, log: RecordedStatement[], kept = /^\s*SELECT/i): Db {
  const note = (sql: string, params: readonly SqlValue[] = []) => {
    if (kept.test(sql)) log.push({ sql, params });
  };
  return {
    dialect: db.dialect,
    sql: db.sql,
    all: (sql, params) => (note(sql, params), db.all(sql, params)),
    get: (sql, params) => (note(sql, params), db.get(sql, params)),
    run: (sql, params) => (note(sql, params), db.run(sql, params)),
    transaction: (body) => db.transaction(body),
    exclusive: (body) => db.exclusive(body),
    close: () => db.close(),
  } as Db;
}
