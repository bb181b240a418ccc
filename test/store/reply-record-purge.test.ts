import { expect } from 'chai';
import { silentLogger } from '../../src/logger.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { SqlReplyRecordStore } from '../../src/store/sql-reply-store.js';
import { openSqliteDb } from '../../src/store/sqlite-db.js';
import { recordingDb, type RecordedStatement } from '../support/recording-db.js';

describe('reply records purge', () => {
  it('deletes expired records in batches, off the push, and keeps the live ones', async () => {
    const raw = openSqliteDb(':memory:');
    try {
      await migrate(raw, migrations, silentLogger);
      await raw.run(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4500)
        INSERT INTO reply_records (dedup_key, state, reply, expires_at, updated_at)
        SELECT 'old' || i, 'done', 'success', 500, 0 FROM n`);
      const log: RecordedStatement[] = [];
      const now = 1000;
      const store = new SqlReplyRecordStore(recordingDb(raw, log, /^\s*DELETE/), {
        clock: () => now,
        logger: silentLogger,
      });
      expect(await store.claim('live', 10_000)).to.deep.equal({ state: 'new' });
      await store.finish('live', 'success', 60_000);
      for (let i = 0; i < 100 && log.length < 3; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(log.map((s) => s.sql)).to.have.length(3);
      expect(await raw.get('SELECT COUNT(*) AS n FROM reply_records')).to.deep.equal({ n: 1 });
      expect(await store.peek('live')).to.deep.equal({ state: 'done', reply: 'success' });
    } finally {
      await raw.close();
    }
  });
});
