/**
 * Issue 11: SQLite's statistics are sampled (analysis_limit) so that refreshing them does not hold the thread
 * and the write lock for seconds at a million followers. A sample of an index that begins with `appid` sees
 * one account only and recorded 401 rows an account: the planner then counted an empty enrichment queue by
 * walking every follower of the account (1 s at 1 M). The corrected numbers keep the partial index in use.
 */
import { expect } from 'chai';
import { silentLogger } from '../../src/logger.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { SqlFollowerRepo } from '../../src/store/sql-follower-repo.js';
import { openSqliteDb } from '../../src/store/sqlite-db.js';
import { ANALYSIS_LIMIT, refreshStatistics } from '../../src/store/statistics.js';

describe('store: planner statistics (SQLite)', () => {
  it('a sampled analysis still knows an account holds all its followers, and counts the queue from its index', async () => {
    const db = openSqliteDb(':memory:');
    try {
      await migrate(db, migrations, silentLogger);
      const followers = new SqlFollowerRepo(db, { clock: () => 1_000 });
      const FOLLOWERS = 5 * ANALYSIS_LIMIT;
      const ids = Array.from({ length: FOLLOWERS }, (_, i) => `o${String(i).padStart(5, '0')}`);
      for (let i = 0; i < ids.length; i += 1000)
        await followers.markListed('wx1', ids.slice(i, i + 1000), 's1');
      await followers.saveEnrichment(
        'wx1',
        ids.map((openid) => ({ openid, subscribe: 1 })),
      );
      await refreshStatistics(db, [], { allTables: true });

      const stat = await db.get<{ stat: string }>(
        "SELECT stat FROM sqlite_stat1 WHERE idx = 'sqlite_autoindex_followers_1'",
      );
      const [rows, perAccount] = (stat?.stat ?? '').split(' ').map(Number);
      expect(rows).to.equal(FOLLOWERS);
      expect(perAccount).to.equal(FOLLOWERS);
      const plan = await db.all<{ detail: string }>(
        'EXPLAIN QUERY PLAN SELECT COUNT(*) AS n FROM followers WHERE needs_enrichment = 1 AND appid = ?',
        ['wx1'],
      );
      expect(plan.map((p) => p.detail).join('\n')).to.contain('followers_enrichment_order');
    } finally {
      await db.close();
    }
  });
});
