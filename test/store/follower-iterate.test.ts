import { expect } from 'chai';
import type { Db, SqlValue } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { SqlFollowerRepo } from '../../src/store/sql-follower-repo.js';
import { openSqliteDb } from '../../src/store/sqlite-db.js';
import { silentLogger } from '../../src/logger.js';

/** A Db that reports how many rows each SELECT returned, to see how iterate() reads. */
function countingReads(db: Db, pages: number[]): Db {
  return Object.assign(Object.create(db) as Db, {
    async all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
      const rows = await db.all<T>(sql, params);
      if (/^\s*SELECT/.test(sql)) pages.push(rows.length);
      return rows;
    },
  });
}

describe('followers.iterate keyset paging', () => {
  let db: Db;
  beforeEach(async () => {
    db = openSqliteDb(':memory:');
    await migrate(db, migrations, silentLogger);
  });
  afterEach(async () => {
    await db.close();
  });

  it('reads one bounded page at a time, so memory does not grow with the follower count', async () => {
    const pages: number[] = [];
    const repo = new SqlFollowerRepo(countingReads(db, pages), { clock: () => 0, pageSize: 100 });
    await repo.markListed(
      'wx1',
      Array.from({ length: 2_550 }, (_, i) => `o${i}`),
      's',
    );
    let count = 0;
    for await (const _ of repo.iterate('wx1')) count++;
    expect(count).to.equal(2_550);
    expect(pages).to.deep.equal([...Array(25).fill(100), 50]);
  });

  it('reads no further page than the consumer asks for', async () => {
    const pages: number[] = [];
    const repo = new SqlFollowerRepo(countingReads(db, pages), { clock: () => 0, pageSize: 100 });
    await repo.markListed(
      'wx1',
      Array.from({ length: 1_000 }, (_, i) => `o${i}`),
      's',
    );
    for await (const _ of repo.iterate()) break;
    expect(pages).to.deep.equal([100]);
  });

  it('ends after a last page that is exactly full', async () => {
    const pages: number[] = [];
    const repo = new SqlFollowerRepo(countingReads(db, pages), { clock: () => 0, pageSize: 100 });
    await repo.markListed(
      'wx1',
      Array.from({ length: 200 }, (_, i) => `o${i}`),
      's',
    );
    let count = 0;
    for await (const _ of repo.iterate()) count++;
    expect(count).to.equal(200);
    expect(pages).to.deep.equal([100, 100, 0]);
  });
});
