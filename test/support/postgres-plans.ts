/**
 * The plans PostgreSQL makes for the statements a repository sent, with sequential scans and sorts priced
 * out (`enable_seqscan`/`enable_sort` off): a plan that still has one has no index to use instead.
 */
import pg from 'pg';
import { silentLogger } from '../../src/logger.js';
import { toNumberedPlaceholders, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { openPostgresDb } from '../../src/store/postgres-db.js';
import type { RecordedStatement } from './recording-db.js';

/** Migrates the database at `url`, runs `exercise` on it, and EXPLAINs every statement it recorded. */
export async function postgresPlans(
  url: string,
  exercise: (db: Db) => Promise<RecordedStatement[]>,
): Promise<Array<{ sql: string; plan: string }>> {
  const db = openPostgresDb(url, silentLogger);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migrate(db, migrations, silentLogger);
    const reads = await exercise(db);
    await client.query('SET enable_seqscan = off');
    await client.query('SET enable_sort = off');
    const plans: Array<{ sql: string; plan: string }> = [];
    for (const { sql, params } of reads) {
      const values = params.map((p) => (typeof p === 'boolean' ? Number(p) : (p ?? null)));
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN ${toNumberedPlaceholders(sql)}`,
        values,
      );
      plans.push({ sql, plan: rows.map((r) => r['QUERY PLAN']).join('\n') });
    }
    return plans;
  } finally {
    await client.end();
    await db.close();
  }
}
