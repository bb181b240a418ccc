/**
 * Issue 11, the full server's write path: what one push costs the database, counted on the Db the server
 * really uses (a pass-through that notes each round trip: a statement, or BEGIN / COMMIT of a transaction).
 * On PostgreSQL a follow through a QR code with a passive reply takes at most 2 round trips before the reply
 * leaves (the claim; the event with its follower and scene count, one statement) and at most 4 in all (the
 * answer and the reply's conversation record after it). On both databases the push's effects are committed
 * (seen by another connection) when the reply arrives.
 */
import { expect } from 'chai';
import pg from 'pg';
import Database from 'better-sqlite3';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import type { Db, Queryable } from '../../src/store/db.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { openPostgresDb } from '../../src/store/postgres-db.js';
import { createSqlStore } from '../../src/store/sql-store.js';
import { openSqliteDb } from '../../src/store/sqlite-db.js';
import { silentLogger } from '../../src/logger.js';
import type { Store } from '../../src/store/types.js';
import {
  e2eDatabase,
  eventually,
  startE2eServer,
  type E2eDatabase,
  type E2eServer,
} from '../support/server.js';

/** A Db noting every round trip it makes, in order. */
function roundTripLog(db: Db, log: string[]): Db {
  const wrap = <Q extends Queryable>(q: Q): Q =>
    ({
      ...q,
      dialect: q.dialect,
      sql: q.sql,
      all: (sql: string, params?: never) => (log.push(sql), q.all(sql, params)),
      get: (sql: string, params?: never) => (log.push(sql), q.get(sql, params)),
      run: (sql: string, params?: never) => (log.push(sql), q.run(sql, params)),
      ...('lock' in q
        ? {
            lock: (key: string) => (
              log.push('lock'),
              (q as never as { lock(k: string): Promise<void> }).lock(key)
            ),
          }
        : {}),
    }) as Q;
  return {
    ...wrap(db),
    transaction: (body) => {
      log.push('BEGIN');
      return db.transaction((tx) => body(wrap(tx))).finally(() => log.push('COMMIT'));
    },
    exclusive: (body) => db.exclusive(body),
    close: () => db.close(),
  } as Db;
}

// Enrichment (followers' user/info, in the background) is not the push's: left out of the counts.
const pushStatement = (sql: string) =>
  !/UPDATE followers|needs_enrichment|unionid IS NOT NULL AND openid IN/.test(sql);

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`e2e: the database work of one push (${engine})`, function () {
    let sim: Simulator;
    let account: SimAccount;
    let database: E2eDatabase;
    let store: Store;
    let server: E2eServer;
    const log: string[] = [];

    before(async function () {
      database = await e2eDatabase(engine, this);
      const target = parseDatabaseUrl(database.url);
      const raw =
        target.kind === 'sqlite'
          ? openSqliteDb(target.path)
          : openPostgresDb(target.connectionString, silentLogger);
      await migrate(raw, migrations, silentLogger);
      store = createSqlStore(roundTripLog(raw, log), { clock: Date.now, logger: silentLogger });
      sim = await startSimulator();
      account = sim.createAccount({ mode: 'safe' });
      server = await startE2eServer({
        sim,
        account,
        databaseUrl: database.url,
        store,
        configFile: { replies: { scenes: { spring: { type: 'text', content: 'Welcome, spring visitor' } } } },
      });
    });

    after(async () => {
      await server?.close();
      await store?.close();
      await sim?.close();
      await database?.dispose();
    });

    /** The follower's row as another connection sees it: only what was committed. */
    async function committedFollower(openid: string): Promise<unknown> {
      const target = parseDatabaseUrl(database.url);
      if (target.kind === 'sqlite') {
        const other = new Database(target.path, { readonly: true });
        try {
          return other.prepare('SELECT subscribed, scene FROM followers WHERE openid = ?').get(openid);
        } finally {
          other.close();
        }
      }
      const other = new pg.Client({ connectionString: target.connectionString });
      await other.connect();
      try {
        return (await other.query('SELECT subscribed, scene FROM followers WHERE openid = $1', [openid]))
          .rows[0];
      } finally {
        await other.end();
      }
    }

    it('has the follow committed when its reply arrives, in at most 2 round trips before it and 4 in all on PostgreSQL', async () => {
      /** Until a follow's writes after its reply (the passive reply's record, the answer) are in. */
      const settled = async (openid: string, from: number): Promise<void> => {
        await eventually('the passive reply to be recorded', async () => {
          const messages = await store.messages.list(account.appid, openid);
          return messages.length === 1 && messages[0]?.direction === 'out';
        });
        await eventually('the answer to be recorded', () =>
          log.slice(from).some((sql) => /reply_records/.test(sql) && /'done'/.test(sql)),
        );
      };
      // A first follow warms up what is done once per process (the account's row).
      const first = account.follower();
      await first.follow({ scene: 'spring' });
      await settled(first.openid, 0);
      const follower = account.follower();
      const start = log.length;
      const result = await follower.follow({ scene: 'spring' });
      expect(result.reply?.['Content']).to.equal('Welcome, spring visitor');
      expect(await committedFollower(follower.openid)).to.deep.include({ scene: 'spring' });
      // The answer and the passive reply's conversation record are written after the reply, in the background.
      await settled(follower.openid, start);
      const all = log.slice(start).filter(pushStatement);
      // What runs once the answer is decided (the answer, the reply's record) comes after the reply in the
      // delivery's order: everything before the first of them was on the push's critical path.
      const afterAnswer = all.findIndex((sql) => /INTO messages|'done'/.test(sql));
      expect(afterAnswer).to.be.greaterThan(0);
      const beforeReply = all.slice(0, afterAnswer);
      if (engine === 'postgres') {
        expect(beforeReply, beforeReply.join('\n---\n')).to.have.length.at.most(2);
        expect(all, all.join('\n---\n')).to.have.length.at.most(4);
      } else {
        // SQLite: the claim is a read (held in the process), not a write of its own.
        const claim = beforeReply.find((sql) => /reply_records/.test(sql));
        expect(claim).to.match(/^\s*SELECT/);
      }
    });
  });
}
