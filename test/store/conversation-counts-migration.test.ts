import { expect } from 'chai';
import { silentLogger } from '../../src/logger.js';
import { migrate } from '../../src/store/migrate.js';
import { initialSchema } from '../../src/store/migrations/0001-initial.js';
import { migrations } from '../../src/store/migrations/index.js';
import { openSqliteDb } from '../../src/store/sqlite-db.js';
import { SqlMessageRepo } from '../../src/store/sql-message-repo.js';

describe('migration 0004: conversation counts', () => {
  it('counts the conversations a database already had, then keeps counting', async () => {
    const db = openSqliteDb(':memory:');
    try {
      await migrate(db, [initialSchema], silentLogger);
      // Written by the version before 0004 (no counts kept): the summary rows alone.
      for (const [openid, direction] of [
        ['o1', 'in'],
        ['o2', 'out'],
        ['o3', 'in'],
      ] as const) {
        await db.run(
          `INSERT INTO conversations (appid, openid, last_message_id, last_direction, last_type, last_content,
             last_create_time, last_inbound_time) VALUES ('wx1', ?, 1, ?, 'text', 'x', 100, 100)`,
          [openid, direction],
        );
      }
      await migrate(db, migrations, silentLogger);
      const repo = new SqlMessageRepo(db, { clock: () => 0 });
      expect(await repo.counts('wx1')).to.deep.equal({ total: 3, unanswered: 2 });
      await repo.add({
        appid: 'wx1',
        openid: 'o1',
        direction: 'out',
        type: 'text',
        content: 'a',
        createTime: 200,
      });
      await repo.add({
        appid: 'wx1',
        openid: 'o4',
        direction: 'in',
        type: 'text',
        content: 'q',
        createTime: 200,
        msgId: 'm4',
      });
      expect(await repo.counts('wx1')).to.deep.equal({ total: 4, unanswered: 2 });
    } finally {
      await db.close();
    }
  });
});
