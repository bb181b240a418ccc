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
    // ANALYZE holds the write lock and the thread: unbounded, `optimize` took 1.3–2.5 s on a never-analyzed
    // file of a million followers; with 400 rows sampled per index 0.3 s (SQLite's advice for large tables).
    await db.run(`PRAGMA analysis_limit = ${ANALYSIS_LIMIT}`);
    await db.run(options.allTables ? 'PRAGMA optimize=0x10002' : 'PRAGMA optimize');
    await correctAccountColumn(db);
    return;
  }
  await db.run(tables.length === 0 ? 'ANALYZE' : `ANALYZE ${tables.join(', ')}`);
}

/**
 * A sampled ANALYZE sees 400 rows of an index that begins with `appid`, all of one account, and records that
 * an account has 401 rows: the planner then took `appid = ?` for a narrow range and walked a million
 * followers through followers_followed to count an empty enrichment queue (1 s at 1 M, was 15 ms). The
 * whole index's row count is exact, so an account's share is at least that over the accounts kept; later
 * columns are clamped to it. Then `ANALYZE sqlite_schema` makes this connection read the corrected numbers.
 */
async function correctAccountColumn(db: Queryable): Promise<void> {
  const stats = await db.all<{ tbl: string; idx: string; stat: string }>(
    `SELECT s.tbl, s.idx, s.stat FROM sqlite_stat1 s
     WHERE s.idx IS NOT NULL
       AND (SELECT name FROM pragma_index_info(s.idx) WHERE seqno = 0) = 'appid'`,
  );
  const accounts = Number((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM accounts'))?.n ?? 0);
  let changed = false;
  for (const row of stats) {
    const numbers = row.stat.split(' ');
    const total = Number(numbers[0]);
    const perAccount = Math.ceil(total / Math.max(1, accounts));
    if (!(Number(numbers[1]) < perAccount)) continue;
    // Only the numbers: SQLite appends options ("unordered", "sz=…") after them.
    const corrected = numbers.map((value, i) =>
      i === 1
        ? String(perAccount)
        : i > 1 && /^\d+$/.test(value) && Number(value) > perAccount
          ? String(perAccount)
          : value,
    );
    await db.run('UPDATE sqlite_stat1 SET stat = ? WHERE tbl = ? AND idx = ?', [
      corrected.join(' '),
      row.tbl,
      row.idx,
    ]);
    changed = true;
  }
  if (changed) await db.run('ANALYZE sqlite_schema');
}
