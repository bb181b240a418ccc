import type { Queryable } from './db.js';

/**
 * Brings the query planner's statistics up to date (issue 11). Without any, SQLite guessed that walking the
 * followers' primary key in openid order beat an index on unionid, and read a million rows for one person.
 *
 * SQLite: `PRAGMA optimize` analyzes only the tables whose size changed enough since they were last
 * analyzed, each with a bounded sample (it sets `analysis_limit` itself), so it costs milliseconds even at
 * millions of rows; `allTables` also checks tables this connection has not queried yet (right after opening).
 * PostgreSQL: `ANALYZE` samples a fixed number of rows per table and does not block writers; autovacuum
 * does the same in the background, this only makes it happen now.
 */
export async function refreshStatistics(
  db: Queryable,
  tables: readonly string[] = [],
  options: { allTables?: boolean } = {},
): Promise<void> {
  if (db.dialect === 'sqlite') {
    await db.run(options.allTables ? 'PRAGMA optimize=0x10002' : 'PRAGMA optimize');
    return;
  }
  await db.run(tables.length === 0 ? 'ANALYZE' : `ANALYZE ${tables.join(', ')}`);
}
