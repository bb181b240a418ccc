import { expect } from 'chai';
import type { ConversationMessageInput } from '../../src/kf/message-repo.js';
import { silentLogger } from '../../src/logger.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { openPostgresDb } from '../../src/store/postgres-db.js';
import { SqlMessageRepo } from '../../src/store/sql-message-repo.js';
import { openSqliteDb } from '../../src/store/sqlite-db.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

/** One turn's messages: a question and its answer in the same second, a retry, an older one, another follower. */
const TURN: ConversationMessageInput[] = [
  { appid: 'wx1', openid: 'o1', direction: 'in', type: 'text', content: 'q', createTime: 100, msgId: 'm1' },
  {
    appid: 'wx1',
    openid: 'o1',
    direction: 'out',
    type: 'text',
    content: 'a',
    createTime: 100,
    via: 'passive',
  },
  { appid: 'wx1', openid: 'o1', direction: 'in', type: 'text', content: 'q', createTime: 100, msgId: 'm1' },
  { appid: 'wx1', openid: 'o1', direction: 'in', type: 'text', content: 'old', createTime: 90, msgId: 'm0' },
  { appid: 'wx1', openid: 'o2', direction: 'in', type: 'text', content: 'hi', createTime: 95, msgId: 'm2' },
];

async function outcome(db: Db) {
  await migrate(db, migrations, silentLogger);
  const repo = new SqlMessageRepo(db, { clock: () => 1 });
  const stored = await Promise.all(TURN.map((m) => repo.add(m)));
  const inbox = await repo.inbox({ appid: 'wx1', limit: 10 });
  return {
    stored,
    inbox: inbox.conversations,
    counts: await repo.counts('wx1'),
    o1: (await repo.list('wx1', 'o1')).map((m) => [m.direction, m.content]),
  };
}

describe('messages of one turn on PostgreSQL (one multi-row statement)', function () {
  let database: TestDatabase;
  before(async function () {
    database = await createTestDatabase(this);
  });
  after(async () => {
    await database?.drop();
  });

  it('store what adding them one by one on SQLite stores: the same results, summaries and counts', async () => {
    const sqlite = openSqliteDb(':memory:');
    const postgres = openPostgresDb(database.url, silentLogger);
    try {
      const expected = await outcome(sqlite);
      expect(expected.stored).to.deep.equal([true, true, false, true, true]);
      expect(await outcome(postgres)).to.deep.equal(expected);
    } finally {
      await sqlite.close();
      await postgres.close();
    }
  });
});
