/**
 * Issue 9 (dead code): the `accounts` row of an AppID is written once per account per process, not again on
 * every follower event. Counted on the statements the repository sends to a real SQLite database.
 */
import { expect } from 'chai';
import type { Db, Queryable } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { SqlFollowerRepo } from '../../src/store/sql-follower-repo.js';
import { openSqliteDb } from '../../src/store/sqlite-db.js';
import { silentLogger } from '../../src/logger.js';

/** `db` with every statement it (or a transaction of it) runs appended to `seen`. */
function counting(db: Db, seen: string[]): Db {
  const wrap = <Q extends Queryable>(q: Q): Q =>
    new Proxy(q, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        if (key === 'run' || key === 'all' || key === 'get') {
          return (sql: string, params?: unknown[]) => {
            seen.push(sql);
            return (value as (...a: unknown[]) => unknown).call(target, sql, params);
          };
        }
        if (key === 'transaction' || key === 'exclusive') {
          return (body: (inner: Queryable) => Promise<unknown>) =>
            (value as (b: unknown) => unknown).call(target, (inner: Queryable) => body(wrap(inner)));
        }
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
  return wrap(db);
}

describe('SQL follower repository: the accounts row', () => {
  let db: Db;
  const seen: string[] = [];
  const accountWrites = (): number => seen.filter((sql) => /INSERT INTO accounts/.test(sql)).length;

  before(async () => {
    db = openSqliteDb(':memory:');
    await migrate(db, migrations, silentLogger);
  });
  after(() => db.close());

  it('is written once per account, not on every follower event', async () => {
    const repo = new SqlFollowerRepo(counting(db, seen), { clock: () => 1_700_000_000_000 });
    const event = (appid: string, n: number) => ({
      appid,
      openid: `o${n}`,
      type: 'subscribe' as const,
      scene: null,
      ticket: null,
      createTime: 1_700_000_000 + n,
      dedupKey: `${appid}:o${n}:${n}`,
    });
    for (let n = 0; n < 5; n++) expect(await repo.recordEvent(event('wxA', n))).to.equal(true);
    await Promise.all([1, 2, 3].map((n) => repo.recordEvent(event('wxA', 10 + n))));
    expect(accountWrites(), 'one account').to.equal(1);
    for (let n = 0; n < 3; n++) await repo.recordEvent(event('wxB', n));
    await repo.markListed('wxB', ['o7', 'o8'], 'sync-1');
    expect(accountWrites(), 'two accounts').to.equal(2);
    const rows = await db.all<{ appid: string }>('SELECT appid FROM accounts ORDER BY appid');
    expect(rows.map((r) => r.appid)).to.deep.equal(['wxA', 'wxB']);
  });
});
