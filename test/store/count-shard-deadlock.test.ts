/**
 * Kept counts on PostgreSQL (follower_counts, conversation_counts) must not make two writers deadlock. They
 * did: a row's count went to a shard chosen by its openid's hash, so two transactions writing followers of
 * two shards in opposite orders each held one count row and waited for the other's (40P01, one aborted).
 * The bench's data-scale load hit it with concurrent `markListed` batches; two instances' push batches or a
 * sync beside the webhook could too. Staged here with two connections, no timing.
 */
import { expect } from 'chai';
import pg from 'pg';
import { silentLogger } from '../../src/logger.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { openPostgresDb } from '../../src/store/postgres-db.js';
import { SqlFollowerRepo } from '../../src/store/sql-follower-repo.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const insertFollower = `INSERT INTO followers (appid, openid, subscribed, created_at, updated_at)
  VALUES ('wx1', $1, 1, 0, 0)`;

describe('kept counts on PostgreSQL: no deadlock between writers', function () {
  let database: TestDatabase;
  let a: pg.Client;
  let b: pg.Client;

  before(async function () {
    database = await createTestDatabase(this);
    const db = openPostgresDb(database.url, silentLogger);
    await migrate(db, migrations, silentLogger);
    await db.close();
    a = new pg.Client({ connectionString: database.url });
    b = new pg.Client({ connectionString: database.url });
    await a.connect();
    await b.connect();
  });

  after(async () => {
    await a?.end();
    await b?.end();
    await database?.drop();
  });

  /** Resolves once `query` of `client` is done, or is waiting for a lock (asked of another connection). */
  async function writtenOrWaiting(query: Promise<unknown>, client: pg.Client): Promise<void> {
    let done = false;
    void query.then(
      () => (done = true),
      () => (done = true),
    );
    const pid = (client as unknown as { processID: number }).processID;
    for (;;) {
      if (done) return;
      const { rows } = await a.query<{ waiting: boolean }>(
        `SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE pid = $1`,
        [pid],
      );
      if (rows[0]?.waiting) return;
    }
  }

  /** Openids whose hash shards (as 0007 computed them, `hashtext & 7`) are `shard`. */
  async function openidsOfShard(shard: number, count: number, prefix: string): Promise<string[]> {
    const { rows } = await a.query<{ openid: string }>(
      `SELECT openid FROM (SELECT $2 || n AS openid FROM generate_series(1, 500) AS n) AS c
       WHERE hashtext(openid) & 7 = $1 LIMIT $3`,
      [shard, prefix, count],
    );
    return rows.map((r) => r.openid);
  }

  it('lets two transactions write followers of two shards in opposite orders', async () => {
    const [x1, x2] = await openidsOfShard(1, 2, 'ox');
    const [y1, y2] = await openidsOfShard(5, 2, 'oy');
    await a.query('BEGIN');
    await b.query('BEGIN');
    await a.query(insertFollower, [x1]);
    // B's first row is written before A's second (or waits for A on a row they share: then A goes on alone,
    // commits, and B follows).
    const bFirst = b.query(insertFollower, [y1]);
    await writtenOrWaiting(bFirst, b);
    const aDone = (async () => {
      await a.query(insertFollower, [y2]);
      await a.query('COMMIT');
    })();
    const bDone = (async () => {
      await bFirst;
      await b.query(insertFollower, [x2]);
      await b.query('COMMIT');
    })();
    const outcomes = await Promise.allSettled([aDone, bDone]);
    for (const client of [a, b]) await client.query('ROLLBACK').catch(() => undefined);
    expect(
      outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason)),
    ).to.deep.equal([]);
    const db = openPostgresDb(database.url, silentLogger);
    try {
      const counts = await new SqlFollowerRepo(db, { clock: () => 0 }).counts('wx1');
      expect(counts).to.deep.equal({ total: 4, subscribed: 4, unsubscribed: 0 });
    } finally {
      await db.close();
    }
  });
});
