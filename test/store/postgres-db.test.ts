import { expect } from 'chai';
import pg from 'pg';
import { toNumberedPlaceholders } from '../../src/store/db.js';
import { openStore } from '../../src/store/index.js';
import { migrations } from '../../src/store/migrations/index.js';
import { openPostgresDb } from '../../src/store/postgres-db.js';
import { silentLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

describe('store on PostgreSQL: adapter and start-up', () => {
  let database: TestDatabase;
  before(async function () {
    database = await createTestDatabase(this);
  });
  after(async () => {
    await database?.drop();
  });

  it('numbers placeholders for PostgreSQL', () => {
    expect(toNumberedPlaceholders('SELECT ? WHERE a = ? AND b IN (?, ?)')).to.equal(
      'SELECT $1 WHERE a = $2 AND b IN ($3, $4)',
    );
  });

  it('brings up instances started at once on an empty database, migrating once', async function () {
    const fresh = await createTestDatabase(this);
    try {
      const stores = await Promise.all([1, 2, 3].map(() => openStore(fresh.url)));
      expect(stores.map((s) => s.kind)).to.deep.equal(['postgres', 'postgres', 'postgres']);
      await Promise.all(stores.map((s) => s.close()));
      const client = new pg.Client({ connectionString: fresh.url });
      await client.connect();
      const { rows } = await client.query('SELECT version FROM schema_migrations ORDER BY version');
      await client.end();
      expect(rows.map((r: { version: number }) => r.version)).to.deep.equal(migrations.map((m) => m.version));
    } finally {
      await fresh.drop();
    }
  });

  it('survives the connection of a transaction or an exclusive section being cut, and serves again', async () => {
    // pg-pool listens for errors on idle clients only: a checked-out client whose connection is cut (a
    // database restart) emitted 'error' with no listener, an uncaught exception that ended the process.
    const db = openPostgresDb(database.url, silentLogger);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => void uncaught.push(err);
    const mochaHandlers = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', onUncaught);
    try {
      for (const section of ['transaction', 'exclusive'] as const) {
        const run = (body: (q: { get<T>(sql: string): Promise<T | undefined> }) => Promise<void>) =>
          section === 'transaction' ? db.transaction(body) : db.exclusive(body);
        const outcome = run(async (q) => {
          const row = await q.get<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          // Waits until the backend is gone: the client is checked out, between statements.
          await admin.query('SELECT pg_terminate_backend($1, 10000)', [row?.pid]);
          await q.get('SELECT 1');
        });
        await outcome.then(
          () => expect.fail(`${section} should fail once its connection is gone`),
          (err: Error) => expect(err).to.be.instanceOf(Error),
        );
      }
      expect(uncaught).to.deep.equal([]);
      expect(await db.get('SELECT 1 AS one')).to.deep.equal({ one: 1 });
    } finally {
      process.off('uncaughtException', onUncaught);
      for (const handler of mochaHandlers) process.on('uncaughtException', handler);
      await admin.end();
      await db.close();
    }
  });

  it('reads BIGINT columns as numbers and binds booleans as 0/1', async () => {
    const db = openPostgresDb(database.url, silentLogger);
    try {
      expect(await db.get('SELECT COUNT(*) AS n, ?::int AS t, ?::int AS f', [true, false])).to.deep.equal({
        n: 1,
        t: 1,
        f: 0,
      });
      expect(await db.get('SELECT ?::bigint AS ms', [1_767_225_600_000])).to.deep.equal({
        ms: 1_767_225_600_000,
      });
    } finally {
      await db.close();
    }
  });

  it('serialises transactions that lock the same key, and only those', async () => {
    const db = openPostgresDb(database.url, silentLogger);
    const order: string[] = [];
    let locked!: () => void;
    const aLocked = new Promise<void>((resolve) => (locked = resolve));
    let release!: () => void;
    const aMayEnd = new Promise<void>((resolve) => (release = resolve));
    const hold = (name: string, key: string, until: Promise<void> = Promise.resolve()) =>
      db.transaction(async (tx) => {
        await tx.lock(key);
        order.push(`${name}+`);
        if (name === 'a') locked();
        await until;
        order.push(`${name}-`);
      });
    try {
      const a = hold('a', 'k1', aMayEnd);
      await aLocked;
      const b = hold('b', 'k1');
      // Another key is not held up: c runs to its end while a holds k1.
      await hold('c', 'k2');
      // b is queued behind a on k1: PostgreSQL shows its advisory lock request waiting.
      for (let deadline = Date.now() + 10_000; ;) {
        const row = await db.get<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks
           WHERE locktype = 'advisory' AND NOT granted
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        if (row?.n === 1) break;
        if (Date.now() > deadline) throw new Error('b never waited for the lock');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(order).to.deep.equal(['a+', 'c+', 'c-']);
      release();
      await Promise.all([a, b]);
      expect(order).to.deep.equal(['a+', 'c+', 'c-', 'a-', 'b+', 'b-']);
    } finally {
      await db.close();
    }
  });

  it('rolls a transaction back when its body throws and keeps the pool usable', async () => {
    const db = openPostgresDb(database.url, silentLogger);
    try {
      await db.run('CREATE TABLE IF NOT EXISTS rollback_probe (v INTEGER)');
      await db
        .transaction(async (tx) => {
          await tx.run('INSERT INTO rollback_probe (v) VALUES (?)', [1]);
          await tx.run('SELECT * FROM no_such_table');
        })
        .catch(() => undefined);
      expect(await db.all('SELECT v FROM rollback_probe')).to.deep.equal([]);
    } finally {
      await db.close();
    }
  });

  it('fails to open an unreachable database instead of hanging', async () => {
    let error: unknown;
    await openStore('postgres://nobody@127.0.0.1:1/none').catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(Error);
  });
});
