import { expect } from 'chai';
import type { Db, Queryable } from '../../src/store/db.js';
import { openSqliteDb } from '../../src/store/sqlite-db.js';
import { batchedWrite, TurnBatch } from '../../src/store/tick-batch.js';

/** A database that counts the transactions it opens (the batch's unit of commit). */
function counting(db: Db): Db & { transactions: number } {
  const wrapped = {
    transactions: 0,
    dialect: db.dialect,
    sql: db.sql,
    all: db.all.bind(db),
    get: db.get.bind(db),
    run: db.run.bind(db),
    exclusive: db.exclusive.bind(db),
    close: db.close.bind(db),
    transaction<T>(body: Parameters<Db['transaction']>[0]): Promise<T> {
      wrapped.transactions++;
      return db.transaction(body) as Promise<T>;
    },
  };
  return wrapped as Db & { transactions: number };
}

const insert = (q: Queryable, name: string) => q.run('INSERT INTO t (name) VALUES (?)', [name]);

describe('store tick batch (batchedWrite)', () => {
  let raw: Db;
  let db: Db & { transactions: number };

  beforeEach(async () => {
    raw = openSqliteDb(':memory:');
    await raw.run('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    db = counting(raw);
  });

  afterEach(async () => {
    await raw.close();
  });

  const names = async () =>
    (await raw.all<{ name: string }>('SELECT name FROM t ORDER BY id')).map((r) => r.name);

  it('commits the writes of one turn in one transaction, in order, each caller getting its own result', async () => {
    const order: string[] = [];
    const results = await Promise.all(
      ['a', 'b', 'c'].map((name, i) =>
        batchedWrite(db, i % 2 === 0, async (q) => {
          order.push(name);
          await insert(q, name);
          return `${name}!`;
        }),
      ),
    );
    expect(results).to.deep.equal(['a!', 'b!', 'c!']);
    expect(order).to.deep.equal(['a', 'b', 'c']);
    expect(db.transactions).to.equal(1);
    expect(await names()).to.deep.equal(['a', 'b', 'c']);
  });

  it('settles a caller only after the shared commit', async () => {
    let committedWhenSettled: string[] = [];
    await Promise.all([
      batchedWrite(db, true, (q) => insert(q, 'a')).then(async () => {
        committedWhenSettled = await names();
      }),
      batchedWrite(db, true, (q) => insert(q, 'b')),
    ]);
    expect(committedWhenSettled).to.deep.equal(['a', 'b']);
  });

  it('fails only the write that threw, committing every other write of its batch exactly once', async () => {
    const boom = new Error('bad write');
    const outcomes = await Promise.allSettled([
      batchedWrite(db, true, (q) => insert(q, 'a')),
      batchedWrite(db, true, async (q) => {
        await insert(q, 'half');
        throw boom;
      }),
      batchedWrite(db, false, (q) => insert(q, 'c')),
    ]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).to.equal(boom);
    // The shared transaction rolled back as a whole; the atomic failing write left nothing behind alone either.
    expect(await names()).to.deep.equal(['a', 'c']);
  });

  it('does not let a failed batch poison the next one', async () => {
    await Promise.allSettled([
      batchedWrite(db, true, (q) => insert(q, 'a')),
      batchedWrite(db, true, () => Promise.reject(new Error('bad write'))),
    ]);
    const before = db.transactions;
    const results = await Promise.all([
      batchedWrite(db, true, async (q) => (await insert(q, 'x'), 'x')),
      batchedWrite(db, true, async (q) => (await insert(q, 'y'), 'y')),
    ]);
    expect(results).to.deep.equal(['x', 'y']);
    expect(db.transactions - before).to.equal(1);
    expect(await names()).to.deep.equal(['a', 'x', 'y']);
  });

  it('rolls back an atomic write that fails alone in its turn, rejecting with its own error', async () => {
    const boom = new Error('alone');
    const failed = batchedWrite(db, true, async (q) => {
      await insert(q, 'half');
      throw boom;
    });
    let reason: unknown;
    await failed.catch((error: unknown) => (reason = error));
    expect(reason).to.equal(boom);
    expect(await names()).to.deep.equal([]);
  });

  it('puts a write that arrives while a batch commits into the next batch, after the first one', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: string[][] = [];
    const first = batchedWrite(db, true, async (q) => {
      await insert(q, 'first');
      await gate;
    });
    const first2 = batchedWrite(db, true, (q) => insert(q, 'first2'));
    // Let the first batch start (its flush runs from setImmediate) and block on the gate.
    await new Promise((resolve) => setImmediate(resolve));
    const second = batchedWrite(db, true, async (q) => {
      seen.push((await q.all<{ name: string }>('SELECT name FROM t ORDER BY id')).map((r) => r.name));
      await insert(q, 'second');
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).to.deep.equal([]); // the second batch waits for the first transaction
    release();
    await Promise.all([first, first2, second]);
    expect(seen).to.deep.equal([['first', 'first2']]);
    expect(await names()).to.deep.equal(['first', 'first2', 'second']);
    expect(db.transactions).to.equal(2);
  });

  it('batches each database on its own', async () => {
    const otherRaw = openSqliteDb(':memory:');
    try {
      await otherRaw.run('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
      const other = counting(otherRaw);
      await Promise.all([
        batchedWrite(db, true, (q) => insert(q, 'a')),
        batchedWrite(other, true, (q) => insert(q, 'b')),
        batchedWrite(db, true, (q) => insert(q, 'c')),
      ]);
      expect(db.transactions).to.equal(1);
      expect(other.transactions).to.equal(1);
      expect(await names()).to.deep.equal(['a', 'c']);
      expect(await otherRaw.all('SELECT name FROM t')).to.deep.equal([{ name: 'b' }]);
    } finally {
      await otherRaw.close();
    }
  });

  it('runs each write at once and alone on PostgreSQL: in a transaction only when atomic', async () => {
    const calls: string[] = [];
    const pg = {
      dialect: 'postgres',
      transaction: (body: (q: Queryable) => Promise<unknown>) => {
        calls.push('transaction');
        return body(pg as unknown as Queryable);
      },
    } as unknown as Db;
    const atomic = batchedWrite(pg, true, async () => calls.push('atomic body'));
    const plain = batchedWrite(pg, false, async (q) =>
      calls.push(q === pg ? 'plain body on the pool' : 'plain body'),
    );
    // Started synchronously, not deferred to the end of the turn.
    expect(calls).to.deep.equal(['transaction', 'atomic body', 'plain body on the pool']);
    await Promise.all([atomic, plain]);
  });
});

describe('store turn batch (TurnBatch)', () => {
  it('runs the items of a turn together, and when that fails each alone, failing only the bad one', async () => {
    const runs: string[][] = [];
    const batch = new TurnBatch<string, string>(async (items) => {
      runs.push(items);
      if (items.includes('bad')) throw new Error('bad item');
      return items.map((item) => `${item}!`);
    });
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((item) => batch.add(item)));
    expect(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    ).to.deep.equal(['a!', 'bad item', 'c!']);
    expect(runs).to.deep.equal([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
    expect(await batch.add('d')).to.equal('d!');
  });
});
