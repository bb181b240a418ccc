import { expect } from 'chai';
import { silentLogger } from '../../src/logger.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { openPostgresDb } from '../../src/store/postgres-db.js';
import { SqlFollowerRepo } from '../../src/store/sql-follower-repo.js';
import { openSqliteDb } from '../../src/store/sqlite-db.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

/** Followers written by a version before 0007 (no counts kept), then counted from the migration on. */
async function countsAcrossTheMigration(db: Db): Promise<void> {
  await migrate(
    db,
    migrations.filter((m) => m.version < 7),
    silentLogger,
  );
  for (const [openid, subscribed] of [
    ['o1', 1],
    ['o2', 0],
    ['o3', 1],
  ] as const) {
    await db.run(
      `INSERT INTO followers (appid, openid, subscribed, created_at, updated_at) VALUES ('wx1', ?, ?, 0, 0)`,
      [openid, subscribed],
    );
  }
  await migrate(db, migrations, silentLogger);
  const repo = new SqlFollowerRepo(db, { clock: () => 0 });
  expect(await repo.counts('wx1')).to.deep.equal({ total: 3, subscribed: 2, unsubscribed: 1 });
  await repo.recordEvent({
    appid: 'wx1',
    openid: 'o2',
    type: 'subscribe',
    scene: null,
    ticket: null,
    createTime: 100,
    dedupKey: 'k1',
  });
  await repo.markListed('wx1', ['o4', 'o5'], 'sync-1');
  expect(await repo.counts('wx1')).to.deep.equal({ total: 5, subscribed: 5, unsubscribed: 0 });
  await db.run(`DELETE FROM followers WHERE appid = 'wx1' AND openid = 'o1'`);
  expect(await repo.counts('wx1')).to.deep.equal({ total: 4, subscribed: 4, unsubscribed: 0 });
}

describe('migration 0007: follower counts', () => {
  it('on SQLite counts the followers a database already had, then keeps counting', async () => {
    const db = openSqliteDb(':memory:');
    try {
      await countsAcrossTheMigration(db);
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

    it('counts the followers a database already had, then keeps counting (shard rows)', async () => {
      const db = openPostgresDb(database.url, silentLogger);
      try {
        await countsAcrossTheMigration(db);
        // Parts of one sum: the migration's row (shard 0) and, since 0016, one row per writing connection's
        // shard (pg_backend_pid() & 15), so how many rows there are depends on which connections wrote.
        const shards = await db.all<{ shard: number; total: number | string }>(
          'SELECT shard, total FROM follower_counts',
        );
        expect(shards.every((r) => r.shard >= 0 && r.shard <= 15)).to.equal(true);
        expect(shards.reduce((n, r) => n + Number(r.total), 0)).to.equal(4);
      } finally {
        await db.close();
      }
    });
  });
});
