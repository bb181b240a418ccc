/**
 * Issue 10: at a million followers no inbox, conversation or QR list query may walk a table or sort it. The
 * statements the repositories really send are recorded and explained on both databases: on SQLite nothing
 * may be a `SCAN` or a temporary sort; on PostgreSQL, with sequential scans and sorts priced out (so the
 * planner takes an index whenever one fits, whatever the table's size), no `Seq Scan` or `Sort` may remain.
 * The unanswered filter and count must read the partial index of unanswered conversations alone.
 */
import { expect } from 'chai';
import { silentLogger } from '../../src/logger.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { SqlMessageRepo } from '../../src/store/sql-message-repo.js';
import { SqlQrCodeRepo } from '../../src/store/sql-qrcode-repo.js';
import { openSqliteDb } from '../../src/store/sqlite-db.js';
import { postgresPlans } from '../support/postgres-plans.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { recordingDb, type RecordedStatement } from '../support/recording-db.js';

/** Runs every read the inbox, a conversation and the QR list make, with and without cursors. */
async function exerciseReads(db: Db): Promise<RecordedStatement[]> {
  const log: RecordedStatement[] = [];
  const messages = new SqlMessageRepo(recordingDb(db, log), { clock: () => 1_000 });
  const qrcodes = new SqlQrCodeRepo(recordingDb(db, log));
  for (let n = 0; n < 3; n++) {
    await messages.add({
      appid: 'wx1',
      openid: `o${n}`,
      direction: 'in',
      type: 'text',
      content: 'hi',
      createTime: 100 + n,
      msgId: `m${n}`,
    });
    await qrcodes.add({
      appid: 'wx1',
      scene: 's',
      ticket: `t${n}`,
      url: 'u',
      imageUrl: 'i',
      permanent: true,
      expiresAt: null,
      label: null,
      createdAt: 1_000 + n,
    });
  }
  const page = await messages.inbox({ appid: 'wx1', limit: 1 });
  await messages.inbox({ appid: 'wx1', limit: 1, cursor: page.nextCursor! });
  const open = await messages.inbox({ appid: 'wx1', limit: 1, unanswered: true });
  await messages.inbox({ appid: 'wx1', limit: 1, unanswered: true, cursor: open.nextCursor! });
  await messages.counts('wx1');
  await messages.add({
    appid: 'wx1',
    openid: 'o0',
    direction: 'in',
    type: 'text',
    content: 'again',
    createTime: 200,
    msgId: 'm9',
  });
  const thread = await messages.page({ appid: 'wx1', openid: 'o0', limit: 1 });
  await messages.page({ appid: 'wx1', openid: 'o0', limit: 1, cursor: thread.nextCursor! });
  await messages.since('wx1', 'o0', 150);
  const codes = await qrcodes.list({ appid: 'wx1', limit: 1 });
  await qrcodes.list({ appid: 'wx1', limit: 1, cursor: codes.nextCursor! });
  // Reads inside add() and get() are by primary or unique key; the lists and counts are what matter.
  return log.filter(
    (r) =>
      /FROM (conversations|conversation_counts|messages|qrcodes)\b/.test(r.sql) && !/ticket = \?/.test(r.sql),
  );
}

describe('inbox, conversation and QR list query plans', () => {
  it('on SQLite search indexes only: no table scan, no temporary sort', async () => {
    const db = openSqliteDb(':memory:');
    try {
      await migrate(db, migrations, silentLogger);
      const reads = await exerciseReads(db);
      expect(reads.length).to.be.greaterThan(9);
      for (const { sql, params } of reads) {
        const plan = await db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params);
        const details = plan.map((row) => row.detail);
        const bad = details.filter((d) => /^SCAN\b|TEMP B-TREE/.test(d));
        expect(bad, `${sql}\n${details.join('\n')}`).to.deep.equal([]);
        // The unanswered list and count read only unanswered rows, not every conversation of the account.
        if (sql.includes("last_direction = 'in'"))
          expect(details.join('\n')).to.contain('conversations_unanswered');
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
      const plans = await postgresPlans(database.url, exerciseReads);
      expect(plans.length).to.be.greaterThan(9);
      for (const { sql, plan } of plans) {
        expect(plan, `${sql}\n${plan}`).not.to.match(/Seq Scan|(^|\s)Sort\b/);
        if (sql.includes("last_direction = 'in'")) expect(plan).to.contain('conversations_unanswered');
      }
    });
  });
});
