import type { Queryable } from './db.js';

/** Rows SQLite's ANALYZE samples per index: enough for the planner, bounded at any table size. */
export const ANALYSIS_LIMIT = 400;

/**
 * Brings the query planner's statistics up to date (issue 11). Without any, SQLite guessed that walking the
 * followers' primary key in openid order beat an index on unionid, and read a million rows for one person.
 *
 * SQLite: `PRAGMA optimize` analyzes only the tables whose size changed enough since they were last
 * analyzed, each with a bounded sample (ANALYSIS_LIMIT), so it costs at most a few hundred ms at millions of
 * rows and nothing when nothing grew; `allTables` also checks tables this connection has not queried yet
 * (right after opening).
 * PostgreSQL: `ANALYZE` samples a fixed number of rows per table and does not block writers; autovacuum
 * does the same in the background, this only makes it happen now.
 */
export async function refreshStatistics(
  db: Queryable,
  tables: readonly string[] = [],
  options: { allTables?: boolean } = {},
): Promise<void> {
  if (db.dialect === 'sqlite') {
    // ANALYZE holds the write lock and the thread: unbounded, `optimize` took 1.3 s on a never-analyzed file
    // of a million followers; with 400 rows sampled per index 0.3 s, and plans as good (SQLite's advice).
    await db.run(`PRAGMA analysis_limit = ${ANALYSIS_LIMIT}`);
    await db.run(options.allTables ? 'PRAGMA optimize=0x10002' : 'PRAGMA optimize');
    return;
  }
  await db.run(tables.length === 0 ? 'ANALYZE' : `ANALYZE ${tables.join(', ')}`);
}
