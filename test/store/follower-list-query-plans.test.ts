/**
 * Issue 10, the Followers page: at a million followers its counts, its follow-time orders and its prefix
 * search must not walk or sort the table (SQLite runs them on the thread that answers WeChat). The statements
 * the repository really sends are recorded and explained on both databases, as for the inbox: on SQLite no
 * `SCAN` of a table and no temporary sort; on PostgreSQL, with sequential scans and sorts priced out, no
 * `Seq Scan` or `Sort`. The counts read follower_counts, never followers.
 */
import { expect } from 'chai';
import { silentLogger } from '../../src/logger.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { encodeFollowerCursor } from '../../src/store/follower-cursor.js';
import { SqlFollowerRepo } from '../../src/store/sql-follower-repo.js';
import { openSqliteDb } from '../../src/store/sqlite-db.js';
import { refreshStatistics } from '../../src/store/statistics.js';
import { postgresPlans } from '../support/postgres-plans.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { recordingDb, type RecordedStatement } from '../support/recording-db.js';

/** Every read of the Followers page: each order with and without a cursor, the status filter, search, counts. */
async function exerciseReads(db: Db): Promise<RecordedStatement[]> {
  const log: RecordedStatement[] = [];
  const followers = new SqlFollowerRepo(recordingDb(db, log), { clock: () => 1_000 });
  for (let n = 0; n < 3; n++) {
    await followers.recordEvent({
      appid: 'wx1',
      openid: `o${n}`,
      type: 'subscribe',
      scene: null,
      ticket: null,
      createTime: 100 + n,
      dedupKey: `k${n}`,
    });
  }
  log.length = 0;
  for (const sort of ['openid', 'newest', 'oldest'] as const) {
    for (const subscribed of [undefined, true, false]) {
      const query = { appid: 'wx1', limit: 1, sort, ...(subscribed === undefined ? {} : { subscribed }) };
      const page = await followers.list(query);
      await followers.list({
        ...query,
        cursor: page.nextCursor ?? encodeFollowerCursor(sort, { openid: 'o1', time: 101 }),
      });
    }
    // Issue 11: a scene in each order (it sorted the scene's followers), also of the unfollowed.
    await followers.list({ appid: 'wx1', limit: 1, sort, scene: 'spring' });
    await followers.list({ appid: 'wx1', limit: 1, sort, scene: 'spring', subscribed: false });
  }
  await followers.list({ appid: 'wx1', limit: 1, search: 'o1' });
  await followers.counts('wx1');
  return log;
}

/** The searches of a prefix every follower has (as an account's OpenIDs all start alike), in each order. */
async function exerciseBroadSearch(db: Db): Promise<RecordedStatement[]> {
  const log: RecordedStatement[] = [];
  const followers = new SqlFollowerRepo(recordingDb(db, log), { clock: () => 1_000 });
  const ids = Array.from({ length: 2100 }, (_, i) => `oBroad${i}`);
  await followers.markListed('wx1', ids, 's1');
  await followers.saveEnrichment(
    'wx1',
    ids.map((openid) => ({ openid, subscribe: 1, unionid: `u${openid}` })),
  );
  log.length = 0;
  for (const sort of ['openid', 'newest', 'oldest'] as const) {
    for (const search of ['oBroad', 'uoBroad'])
      await followers.list({ appid: 'wx1', limit: 25, sort, search });
  }
  return log.filter((r) => r.sql.includes('UNION'));
}

describe('Followers page query plans', () => {
  it('on SQLite search indexes only: no table scan, no temporary sort; counts without followers', async () => {
    const db = openSqliteDb(':memory:');
    try {
      await migrate(db, migrations, silentLogger);
      const reads = await exerciseReads(db);
      expect(reads.length).to.equal(27); // with the probe of the UnionID range
      for (const { sql, params } of reads) {
        const plan = await db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params);
        const details = plan.map((row) => row.detail);
        const bad = details.filter((d) => /^SCAN followers\b|TEMP B-TREE/.test(d));
        // The prefix search takes two index ranges (OpenID, UnionID) and sorts what they find only.
        if (sql.includes('openid >= ?')) {
          const text = details.join('\n');
          expect(text, sql).to.match(
            /SEARCH followers USING (COVERING )?INDEX sqlite_autoindex_followers_1 \(appid=\? AND openid>\? AND openid<\?\)/,
          );
          expect(text, sql).to.match(
            /SEARCH followers USING (COVERING )?INDEX followers_union(id)? \(unionid>\? AND unionid<\?\)/,
          );
          expect(
            details.filter((d) => /^SCAN followers\b/.test(d)),
            text,
          ).to.deep.equal([]);
          continue;
        }
        expect(bad, `${sql}\n${details.join('\n')}`).to.deep.equal([]);
        if (sql.includes('follower_counts')) expect(sql).not.to.match(/FROM followers\b/);
      }
    } finally {
      await db.close();
    }
  });

  it('on SQLite reads a scene and the unfollowed from their own indexes, in every order (issue 11)', async () => {
    const db = openSqliteDb(':memory:');
    try {
      await migrate(db, migrations, silentLogger);
      const log: RecordedStatement[] = [];
      const followers = new SqlFollowerRepo(recordingDb(db, log), { clock: () => 1_000 });
      // Most follow without a scene and stay: a walk of the account would read them all to find the few.
      const ids = Array.from({ length: 2000 }, (_, i) => `o${String(i).padStart(5, '0')}`);
      await followers.markListed('wx1', ids, 's1');
      for (let i = 0; i < 400; i++) {
        const openid = `q${i}`;
        const event = { appid: 'wx1', openid, scene: 'spring', ticket: null, createTime: 100 + i };
        await followers.recordEvent({ ...event, type: 'subscribe', dedupKey: `s${i}` });
        if (i % 2)
          await followers.recordEvent({ ...event, type: 'unsubscribe', scene: null, dedupKey: `u${i}` });
      }
      await refreshStatistics(db, [], { allTables: true });
      const cases = [
        { filter: { scene: 'spring' }, index: /followers_scene\w* \(appid=\? AND scene=\?/ },
        {
          filter: { scene: 'spring', subscribed: false },
          index: /followers_scene\w* \(appid=\? AND scene=\?/,
        },
        { filter: { subscribed: false }, index: /followers_unfollowed\w* \(appid=\?/ },
      ];
      for (const sort of ['openid', 'newest', 'oldest'] as const) {
        for (const { filter, index } of cases) {
          log.length = 0;
          await followers.list({ appid: 'wx1', limit: 5, sort, ...filter });
          const [{ sql, params }] = log as [RecordedStatement];
          const plan = await db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params);
          const text = plan.map((row) => row.detail).join('\n');
          expect(text, `${sort} ${JSON.stringify(filter)}`).to.match(index);
          expect(text, `${sort} ${JSON.stringify(filter)}\n${text}`).not.to.match(
            /^SCAN followers\b|TEMP B-TREE/m,
          );
        }
      }
    } finally {
      await db.close();
    }
  });

  it('on SQLite walks the index of the page’s order for a broad prefix instead of sorting its matches', async () => {
    const db = openSqliteDb(':memory:');
    try {
      await migrate(db, migrations, silentLogger);
      const searches = await exerciseBroadSearch(db);
      expect(searches).to.have.length(6);
      for (const { sql, params } of searches) {
        const plan = await db.all<{ id: number; parent: number; detail: string }>(
          `EXPLAIN QUERY PLAN ${sql}`,
          params,
        );
        const text = plan.map((row) => row.detail).join('\n');
        expect(text, sql).not.to.match(/^SCAN followers\b/m);
        // The broad part (OpenIDs for "oBroad", UnionIDs for "uoBroad") reads the index of the page's order.
        const byOpenid = params.includes('oBroad');
        const order = sql.includes('ORDER BY openid') ? 'sqlite_autoindex_followers_1' : 'followers_followed';
        if (byOpenid && order === 'sqlite_autoindex_followers_1') {
          expect(text, sql).to.contain(`USING INDEX ${order} (appid=? AND openid>? AND openid<?)`);
        } else {
          expect(text, sql).to.contain(`SEARCH followers USING INDEX ${order} (appid=?)`);
        }
        if (!byOpenid) expect(text, sql).not.to.contain('followers_unionid');
      }
    } finally {
      await db.close();
    }
  });

  describe('on PostgreSQL', function () {
    let database: TestDatabase;
    before(async function () {
      database = await createTestDatabase(this);
    });
    after(async () => {
      await database?.drop();
    });

    it('reads through indexes only: no Seq Scan, no Sort', async () => {
      for (const { sql, plan } of await postgresPlans(database.url, exerciseReads)) {
        expect(plan, `${sql}\n${plan}`).not.to.match(/Seq Scan/);
        if (!sql.includes('openid >= ?')) expect(plan, `${sql}\n${plan}`).not.to.match(/(^|\s)Sort\b/);
      }
    });
  });
});
