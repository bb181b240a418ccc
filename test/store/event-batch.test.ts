import { expect } from 'chai';
import type { FollowerEventInput } from '../../src/followers/follower.js';
import { silentLogger } from '../../src/logger.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { openPostgresDb } from '../../src/store/postgres-db.js';
import { SqlFollowerRepo } from '../../src/store/sql-follower-repo.js';
import { openSqliteDb } from '../../src/store/sqlite-db.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const e = (
  openid: string,
  type: FollowerEventInput['type'],
  createTime: number,
  scene: string | null = null,
  appid = 'wx1',
): FollowerEventInput => ({
  appid,
  openid,
  type,
  scene,
  ticket: scene && type !== 'unsubscribe' ? `T-${scene}` : null,
  createTime,
  dedupKey: `${openid}|${createTime}|${type}|${scene ?? ''}`,
});

/** One turn: a follow and its unfollow, a retry racing its delivery, many follows of one scene, two accounts. */
const TURN: FollowerEventInput[] = [
  e('o1', 'subscribe', 100, 'spring'),
  e('o1', 'unsubscribe', 200),
  e('o2', 'subscribe', 100, 'spring'),
  e('o2', 'subscribe', 100, 'spring'),
  e('o3', 'scan', 150, 'spring'),
  e('o4', 'subscribe', 120),
  ...Array.from({ length: 20 }, (_, i) => e(`p${i}`, 'subscribe', 100 + i, 'summer')),
  e('o1', 'subscribe', 100, 'spring', 'wx2'),
];

async function outcome(db: Db) {
  await migrate(db, migrations, silentLogger);
  const repo = new SqlFollowerRepo(db, { clock: () => 1 });
  const stored = await Promise.all(TURN.map((event) => repo.recordEvent(event)));
  const followers = [];
  for (const openid of ['o1', 'o2', 'o3', 'o4', 'p0'])
    followers.push(await repo.get('wx1', openid), await repo.events('wx1', openid));
  return {
    stored,
    followers,
    scenes: await repo.sceneStats('wx1'),
    scenes2: await repo.sceneStats('wx2'),
    counts: await repo.counts('wx1'),
    tickets: await db.all('SELECT appid, ticket, scene FROM event_tickets ORDER BY appid, ticket'),
  };
}

describe('follower events of one turn on PostgreSQL (one multi-row statement a round)', function () {
  let database: TestDatabase;
  before(async function () {
    database = await createTestDatabase(this);
  });
  after(async () => {
    await database?.drop();
  });

  it('store what recording them one by one on SQLite stores', async () => {
    const sqlite = openSqliteDb(':memory:');
    const postgres = openPostgresDb(database.url, silentLogger);
    try {
      const expected = await outcome(sqlite);
      expect(expected.stored.slice(0, 4)).to.deep.equal([true, true, true, false]);
      expect(await outcome(postgres)).to.deep.equal(expected);
    } finally {
      await sqlite.close();
      await postgres.close();
    }
  });
});
