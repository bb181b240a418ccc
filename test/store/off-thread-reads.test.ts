/**
 * Store.admin on an SQLite file (issue 11): its reads go to the read-only connection of the worker thread,
 * its writes (also a write sent as a read, UPDATE … RETURNING) to the main connection, and it reads what was
 * committed before. A dead worker leaves reads on the main connection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { openStore, type Store } from '../../src/store/index.js';
import { OffThreadReadsDb } from '../../src/store/off-thread-reads-db.js';
import { openSqliteDb } from '../../src/store/sqlite-db.js';
import { SqliteReadWorker } from '../../src/store/sqlite-read-worker.js';

describe('store: admin reads off the push thread (SQLite)', () => {
  let dir: string;
  let store: Store;
  // Slot 0: open (1) or closed (0); slot 1: reads the worker started.
  const gate = new Int32Array(new SharedArrayBuffer(8));
  Atomics.store(gate, 0, 1);
  const APPID = 'wx1';

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wxoa-off-thread-'));
    store = await openStore(`sqlite:${join(dir, 'wxoa.db')}`, { readWorker: { gate } });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the admin view’s reads in the worker, and the main store’s on the main connection', async () => {
    await store.followers.markListed(APPID, ['o1'], 'sync-1');
    const before = Atomics.load(gate, 1);
    expect((await store.followers.get(APPID, 'o1'))?.subscribed).to.equal(true);
    expect(Atomics.load(gate, 1)).to.equal(before);
    expect((await store.admin.followers.get(APPID, 'o1'))?.subscribed).to.equal(true);
    expect(Atomics.load(gate, 1)).to.equal(before + 1);
    expect(store.admin.admin).to.equal(store.admin);
  });

  it('writes through the admin view on the main connection, and reads them back at once', async () => {
    const code = {
      appid: APPID,
      scene: 'spring',
      ticket: 't1',
      url: 'http://weixin.qq.com/q/1',
      imageUrl: 'https://example.com/q.png',
      permanent: true,
      expiresAt: null,
      label: null,
      createdAt: 1_000,
    };
    expect((await store.admin.qrcodes.add(code)).ticket).to.equal('t1');
    expect(await store.admin.qrcodes.setLabel(APPID, 't1', 'door')).to.equal(true);
    expect((await store.admin.qrcodes.get(APPID, 't1'))?.label).to.equal('door');
    expect((await store.qrcodes.get(APPID, 't1'))?.label).to.equal('door');
  });

  it('runs a write sent as a read (UPDATE … RETURNING) on the main connection', async () => {
    await store.followers.markListed(APPID, ['o1', 'o2'], 'sync-1');
    const claimed = await store.admin.followers.claimForEnrichment(10, 60_000);
    expect(claimed.map((c) => c.openid)).to.deep.equal(['o1', 'o2']);
    expect(await store.followers.claimForEnrichment(10, 60_000)).to.deep.equal([]);
  });

  it('reports a read’s SQL error to its caller', async () => {
    const reader = new SqliteReadWorker(join(dir, 'wxoa.db'));
    try {
      const db = new OffThreadReadsDb(openSqliteDb(':memory:'), reader);
      const error = await db.all('SELECT * FROM no_such_table').then(
        () => null,
        (err: unknown) => err as Error,
      );
      expect(error?.message).to.match(/no such table/);
      // The worker lives on: the next read is answered.
      expect(await db.get<{ n: number }>('SELECT 1 AS n')).to.deep.equal({ n: 1 });
    } finally {
      await reader.close();
    }
  });

  it('reads again after reopening its connection (new planner statistics)', async () => {
    await store.followers.markListed(APPID, ['o1'], 'sync-1');
    const reader = new SqliteReadWorker(join(dir, 'wxoa.db'));
    try {
      const db = new OffThreadReadsDb(openSqliteDb(':memory:'), reader);
      await reader.reopen();
      expect(await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM followers')).to.deep.equal({ n: 1 });
    } finally {
      await reader.close();
    }
  });

  it('reads on the main connection once the worker is gone', async () => {
    const main = openSqliteDb(join(dir, 'wxoa.db'));
    const reader = new SqliteReadWorker(join(dir, 'wxoa.db'));
    await reader.close();
    const db = new OffThreadReadsDb(main, reader);
    expect(await db.get<{ n: number }>('SELECT 1 AS n')).to.deep.equal({ n: 1 });
    await main.close();
  });
});
