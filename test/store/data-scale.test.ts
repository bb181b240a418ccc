/**
 * Issue 11 on both databases: the kept scene counts give exactly the answer of the query they replace (which
 * grouped every event of the account), both as recordEvent keeps them and as migration 9 backfills them; and
 * markUnlisted, now in batches, spares a follow recorded between two of its batches.
 */
import { expect } from 'chai';
import { silentLogger } from '../../src/logger.js';
import type { Db, SqlValue } from '../../src/store/db.js';
import type { FollowerEventInput, FollowerEventType } from '../../src/followers/follower.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { openPostgresDb } from '../../src/store/postgres-db.js';
import { SqlFollowerRepo } from '../../src/store/sql-follower-repo.js';
import { SqlSyncStateRepo } from '../../src/store/sql-sync-state-repo.js';
import { openSqliteDb } from '../../src/store/sqlite-db.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

/** GET /api/scenes as it was computed before migration 9: the reference answer. */
const OLD_SCENES_QUERY = `SELECT s AS scene,
    SUM(CASE WHEN type = 'scan' THEN 1 ELSE 0 END) AS scans,
    SUM(CASE WHEN type = 'subscribe' THEN 1 ELSE 0 END) AS subscribes,
    SUM(CASE WHEN type = 'unsubscribe' THEN 1 ELSE 0 END) AS unsubscribes
  FROM (
    SELECT type, CASE WHEN type = 'unsubscribe' THEN follow_scene ELSE NULLIF(scene, '') END AS s
    FROM follower_events WHERE appid = ?
  ) attributed
  WHERE s IS NOT NULL
  GROUP BY s`;

async function oldAnswer(db: Db, appid: string) {
  const rows = await db.all<{ scene: string; scans: number; subscribes: number; unsubscribes: number }>(
    OLD_SCENES_QUERY,
    [appid],
  );
  return rows
    .map((r) => ({
      scene: r.scene,
      scans: Number(r.scans),
      subscribes: Number(r.subscribes),
      unsubscribes: Number(r.unsubscribes),
    }))
    .sort((a, b) => (a.scene < b.scene ? -1 : a.scene > b.scene ? 1 : 0));
}

let seq = 0;
function event(
  type: FollowerEventType,
  openid: string,
  createTime: number,
  scene: string | null = null,
  appid = 'wx1',
): FollowerEventInput {
  return { appid, openid, type, scene, ticket: null, createTime, dedupKey: `k${seq++}` };
}

/** Follows, scans, unfollows, re-follows with and without a scene, out-of-order and retried pushes. */
function history(): FollowerEventInput[] {
  const events: FollowerEventInput[] = [];
  for (let i = 0; i < 40; i++) {
    const openid = `o${i % 13}`;
    const scene = ['spring', 'summer', null, 'Spring'][i % 4] ?? null;
    const type: FollowerEventType = (
      ['subscribe', 'scan', 'unsubscribe', 'subscribe', 'unsubscribe'] as const
    )[i % 5]!;
    events.push(event(type, openid, 1000 + ((i * 37) % 50), type === 'unsubscribe' ? null : scene));
  }
  events.push(event('subscribe', 'x', 2000, 'spring', 'wx2'));
  events.push(event('unsubscribe', 'x', 2001, null, 'wx2'));
  // WeChat retries: the same push again (FromUserName, CreateTime, Event, EventKey: INTERFACE.md §3), even
  // under another delivery's dedup key (one that came after the dedup window), is not an event.
  events.push({ ...events[0]! }, { ...events[2]!, dedupKey: 'late' }, { ...events[4]! });
  return events;
}

function describeOn(label: string, open: (ctx: Mocha.Context) => Promise<Db>) {
  describe(`data scale on ${label}`, function () {
    let db: Db;
    beforeEach(async function () {
      db = await open(this);
    });
    afterEach(async () => {
      await db?.close();
    });

    it('kept scene counts equal the old query across follows, scans, unfollows, re-follows and retries', async () => {
      await migrate(db, migrations, silentLogger);
      const repo = new SqlFollowerRepo(db, { clock: () => 1 });
      const stored = [];
      for (const e of history()) stored.push(await repo.recordEvent(e));
      expect(stored.slice(-3)).to.deep.equal([false, false, false]);
      // Retries that reached the store together (one SQLite commit, or two PostgreSQL connections).
      const retry = event('scan', 'o1', 3000, 'summer');
      expect(
        (await Promise.all([repo.recordEvent(retry), repo.recordEvent({ ...retry })])).sort(),
      ).to.deep.equal([false, true]);
      for (const appid of ['wx1', 'wx2', 'wx3']) {
        const expected = await oldAnswer(db, appid);
        expect(await repo.sceneStats(appid)).to.deep.equal(expected);
      }
      expect((await repo.sceneStats('wx1')).length).to.be.greaterThan(2);
    });

    it('migration 9 backfills the scene counts from the stored events', async () => {
      await migrate(
        db,
        migrations.filter((m) => m.version < 9),
        silentLogger,
      );
      const insert = (e: FollowerEventInput, followScene: string | null) =>
        db.run(
          `INSERT INTO follower_events
             (appid, openid, type, scene, ticket, follow_scene, create_time, dedup_key, recorded_at)
           VALUES (?, ?, ?, ?, NULL, ?, ?, ?, 0)`,
          [e.appid, e.openid, e.type, e.scene, followScene, e.createTime, e.dedupKey] as SqlValue[],
        );
      const followScenes = ['spring', null, 'summer'];
      let n = 0;
      for (const e of history().slice(0, -3))
        await insert(e, e.type === 'unsubscribe' ? (followScenes[n++ % 3] ?? null) : null);
      const before = { wx1: await oldAnswer(db, 'wx1'), wx2: await oldAnswer(db, 'wx2') };
      await migrate(db, migrations, silentLogger);
      const repo = new SqlFollowerRepo(db, { clock: () => 1 });
      expect(await repo.sceneStats('wx1')).to.deep.equal(before.wx1);
      expect(await repo.sceneStats('wx2')).to.deep.equal(before.wx2);
      // And counting goes on from there.
      await repo.recordEvent(event('scan', 'o1', 5000, 'spring'));
      expect(await repo.sceneStats('wx1')).to.deep.equal(await oldAnswer(db, 'wx1'));
    });

    it('markUnlisted in batches spares a follow recorded between two batches, and marks the rest', async () => {
      await migrate(db, migrations, silentLogger);
      const syncState = new SqlSyncStateRepo(db, () => 1);
      let staged = false;
      // The follow is staged right after the first batch's update, before the second batch is read.
      const gated: Db = Object.create(db) as Db;
      gated.run = async (sql, params) => {
        const changed = await db.run(sql, params);
        if (!staged && /UPDATE followers SET subscribed = 0/.test(sql)) {
          staged = true;
          await repo.recordEvent(event('subscribe', 'o09', 4000));
          await repo.recordEvent(event('subscribe', 'new', 4000));
        }
        return changed;
      };
      gated.get = (sql, params) => db.get(sql, params);
      gated.all = (sql, params) => db.all(sql, params);
      gated.transaction = (body) => db.transaction(body);
      const repo = new SqlFollowerRepo(gated, { clock: () => 1, unlistedBatch: 3 });
      const all = Array.from({ length: 10 }, (_, i) => `o${String(i).padStart(2, '0')}`);
      await repo.markListed('wx1', all, 'old-sync');
      await repo.markListed('wx2', ['o05'], 'old-sync');
      await syncState.set('wx1', { syncId: 'sync-1', nextOpenid: null, listed: 0 });
      await repo.markListed('wx1', ['o01', 'o05'], 'sync-1');
      const changed = await repo.markUnlisted('wx1', 'sync-1', 5000);
      expect(staged).to.equal(true);
      expect(changed).to.equal(7);
      const subscribed = [];
      for await (const f of repo.iterate()) if (f.subscribed) subscribed.push(`${f.appid}/${f.openid}`);
      expect(subscribed).to.deep.equal(['wx1/new', 'wx1/o01', 'wx1/o05', 'wx1/o09', 'wx2/o05']);
      expect(await repo.get('wx1', 'o00')).to.include({ subscribed: false, unsubscribeTime: 5000 });
    });
  });
}

describeOn('SQLite', async () => openSqliteDb(':memory:'));

describe('data scale on PostgreSQL', function () {
  let database: TestDatabase | undefined;
  const dbs: TestDatabase[] = [];
  describeOn('PostgreSQL (a database per test)', async (ctx) => {
    database = await createTestDatabase(ctx);
    dbs.push(database);
    return openPostgresDb(database.url, silentLogger);
  });
  after(async () => {
    for (const d of dbs) await d.drop();
  });
});
