import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { SchemaVersionError } from '../../src/store/errors.js';
import { openStore } from '../../src/store/index.js';
import { migrations } from '../../src/store/migrations/index.js';
import { openSqliteDb } from '../../src/store/sqlite-db.js';

describe('store on SQLite: file, schema and transactions', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wxoa-sqlite-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the file and its folders on first start, in WAL mode, and keeps data across restarts', async () => {
    const path = join(dir, 'a', 'b', 'wxoa.db');
    const first = await openStore(`sqlite:${path}`);
    expect(first.kind).to.equal('sqlite');
    await first.syncState.set('wx1', { syncId: 's', nextOpenid: null, listed: 1 });
    await first.close();
    expect(existsSync(path)).to.equal(true);

    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).to.equal('wal');
    expect(raw.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).to.deep.equal({
      n: migrations.length,
    });
    raw.close();

    const second = await openStore(`sqlite:${path}`);
    expect(await second.syncState.get('wx1')).to.deep.equal({ syncId: 's', nextOpenid: null, listed: 1 });
    await second.close();
  });

  it('creates the database file, and the WAL files beside it, readable by their owner only (they hold tokens)', async () => {
    const path = join(dir, 'data', 'wxoa.db');
    const store = await openStore(`sqlite:${path}`);
    try {
      await store.tokens.refresh('wx1', null, 0, async () => ({
        token: 't',
        expiresAt: Date.now() + 60_000,
      }));
      for (const file of [path, `${path}-wal`, `${path}-shm`]) {
        expect(statSync(file).mode & 0o777, file).to.equal(0o600);
      }
      expect(statSync(join(dir, 'data')).mode & 0o077, 'the folder').to.equal(0);
    } finally {
      await store.close();
    }
  });

  it('opens a throwaway in-memory database', async () => {
    const store = await openStore('sqlite::memory:');
    await store.ping();
    expect(await store.followers.pendingEnrichment()).to.equal(0);
    await store.close();
  });

  it('refuses a database whose schema is newer than this build', async () => {
    const path = join(dir, 'wxoa.db');
    await (await openStore(`sqlite:${path}`)).close();
    const raw = new Database(path);
    raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)").run();
    raw.close();
    let error: unknown;
    await openStore(`sqlite:${path}`).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(SchemaVersionError).with.property('databaseVersion', 9999);
  });

  it('rolls a transaction back when its body throws', async () => {
    const db = openSqliteDb(':memory:');
    await db.run('CREATE TABLE t (v INTEGER)');
    await db
      .transaction(async (tx) => {
        await tx.run('INSERT INTO t (v) VALUES (?)', [1]);
        throw new Error('boom');
      })
      .catch(() => undefined);
    expect(await db.all('SELECT v FROM t')).to.deep.equal([]);
    await db.close();
  });

  it('runs concurrent transactions one after another, holding other statements back until commit', async () => {
    const db = openSqliteDb(':memory:');
    await db.run('CREATE TABLE t (v INTEGER)');
    const seen: number[] = [];
    await Promise.all([
      ...[1, 2, 3].map(() =>
        db.transaction(async (tx) => {
          const before = await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM t');
          await new Promise((resolve) => setImmediate(resolve));
          await tx.run('INSERT INTO t (v) VALUES (?)', [before!.n]);
        }),
      ),
      db.get<{ n: number }>('SELECT COUNT(*) AS n FROM t').then((row) => seen.push(row!.n)),
    ]);
    // Each transaction saw its predecessors' rows: none interleaved with another.
    expect((await db.all<{ v: number }>('SELECT v FROM t ORDER BY v')).map((r) => r.v)).to.deep.equal([
      0, 1, 2,
    ]);
    // The outside read queued behind the transactions started before it, instead of reading inside one.
    expect(seen).to.deep.equal([3]);
    await db.close();
  });

  it('refuses a statement on a transaction handle after its body settled', async () => {
    const db = openSqliteDb(':memory:');
    let leaked: Parameters<Parameters<typeof db.transaction>[0]>[0] | undefined;
    await db.transaction(async (tx) => {
      leaked = tx;
    });
    let error: unknown;
    await leaked!.run('SELECT 1').catch((e: unknown) => (error = e));
    expect(String(error)).to.match(/transaction already ended/);
    await db.close();
  });

  it('binds booleans as 0/1 and undefined as NULL', async () => {
    const db = openSqliteDb(':memory:');
    expect(await db.get('SELECT ? AS t, ? AS f, ? AS u', [true, false, undefined])).to.deep.equal({
      t: 1,
      f: 0,
      u: null,
    });
    await db.close();
  });
});
