import { expect } from 'chai';
import { silentLogger } from '../../src/logger.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { openPostgresDb } from '../../src/store/postgres-db.js';
import { openSqliteDb } from '../../src/store/sqlite-db.js';
import { SqlFollowerRepo } from '../../src/store/sql-follower-repo.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

/** Events as the versions before migration 11 stored them: a dedup key and the ticket on every row. */
const OLD_EVENTS = [
  ['o1', 'subscribe', 'spring', 'TICKET_SPRING', 1000, 'o1|1000|subscribe|qrscene_spring'],
  ['o1', 'scan', 'spring', 'TICKET_SPRING', 1100, 'o1|1100|SCAN|spring'],
  ['o2', 'subscribe', null, null, 1000, 'o2|1000|subscribe|'],
  // The same push stored twice under two dedup keys (a delivery after the key was purged): one event.
  ['o2', 'unsubscribe', null, null, 2000, 'o2|2000|unsubscribe|'],
  ['o2', 'unsubscribe', null, null, 2000, 'o2|2000|unsubscribe|again'],
] as const;

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`migration 11: compact follower events (${engine})`, function () {
    let db: Db;
    let pgDatabase: TestDatabase | undefined;

    beforeEach(async function () {
      if (engine === 'sqlite') db = openSqliteDb(':memory:');
      else {
        pgDatabase = await createTestDatabase(this);
        db = openPostgresDb(pgDatabase.url, silentLogger);
      }
    });

    afterEach(async () => {
      await db?.close();
      await pgDatabase?.drop();
    });

    it('keeps every event once, its ticket once per code, and recognises a stored event by its identity', async () => {
      await migrate(
        db,
        migrations.filter((m) => m.version < 11),
        silentLogger,
      );
      for (const [openid, type, scene, ticket, createTime, dedupKey] of OLD_EVENTS) {
        await db.run(
          `INSERT INTO follower_events
             (appid, openid, type, scene, ticket, follow_scene, create_time, dedup_key, recorded_at)
           VALUES ('wx1', ?, ?, ?, ?, NULL, ?, ?, 0)`,
          [openid, type, scene, ticket, createTime, dedupKey],
        );
      }
      await migrate(db, migrations, silentLogger);
      const repo = new SqlFollowerRepo(db, { clock: () => 1 });
      expect(await repo.events('wx1', 'o1')).to.deep.equal([
        { type: 'subscribe', scene: 'spring', createTime: 1000 },
        { type: 'scan', scene: 'spring', createTime: 1100 },
      ]);
      expect(await repo.events('wx1', 'o2')).to.deep.equal([
        { type: 'subscribe', scene: null, createTime: 1000 },
        { type: 'unsubscribe', scene: null, createTime: 2000 },
      ]);
      expect(await db.all('SELECT appid, ticket, scene FROM event_tickets')).to.deep.equal([
        { appid: 'wx1', ticket: 'TICKET_SPRING', scene: 'spring' },
      ]);
      // A delivery of a stored push under a dedup key never seen (after the dedup window): not a new event.
      const again = {
        appid: 'wx1',
        openid: 'o2',
        type: 'subscribe' as const,
        scene: null,
        ticket: null,
        createTime: 1000,
        dedupKey: 'new-key',
      };
      expect(await repo.recordEvent(again)).to.equal(false);
      // A new follow through a known code: recorded, its ticket not repeated.
      expect(
        await repo.recordEvent({ ...again, createTime: 3000, scene: 'spring', ticket: 'TICKET_SPRING' }),
      ).to.equal(true);
      expect(await repo.events('wx1', 'o2')).to.have.length(3);
      expect(await db.all('SELECT ticket FROM event_tickets')).to.have.length(1);
    });
  });
}
