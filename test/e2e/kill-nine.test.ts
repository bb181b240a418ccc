/**
 * Issue 9, defect 3, end to end: `200` means handled (INTERFACE.md §3). The real server runs as a child
 * process under a load of distinct signed pushes (follows and text messages) and is killed with SIGKILL
 * mid-load. Every push not answered `200` is delivered again, as WeChat does (the same push, signed anew; a
 * round of retries at a time, WeChat's 5 s spacing compressed): the first retries at once to a second
 * instance on the same database, while the dead process's claims still hold (the case that used to be
 * answered `success` with nothing stored), the later ones to the killed server restarted on the same
 * database. Then every push answered `200` must be stored exactly once, and none may be missing. A SQLite
 * file is served by one process at a time, so there the second instance is the killed one restarted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { silentLogger } from '../../src/logger.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import type { Db } from '../../src/store/db.js';
import { openPostgresDb } from '../../src/store/postgres-db.js';
import { openSqliteDb } from '../../src/store/sqlite-db.js';
import { eventXml, postPush, signPush, textXml, type PushAccount } from '../support/push.js';
import { spawnServe, type ServeProcess } from '../support/serve-process.js';
import { e2eDatabase, e2eEnv, sleep, type E2eDatabase, type Engine } from '../support/server.js';

const PUSHES = 300;
const CONCURRENCY = 16;
/** Answers seen before the kill. */
const KILL_AFTER = 100;
/** Short, so a retry's wait is short; the claim lease is the budget + 1 s. */
const BUDGET_MS = 1000;
/** WeChat retries three times; the rounds here are spaced less than its 5 s. */
const RETRY_ROUNDS = 3;
const RETRY_SPACING_MS = 500;

interface Push {
  openid: string;
  kind: 'follow' | 'text';
  xml: string;
  /** Every answer it got: an HTTP status, or 0 when the connection failed (refused, reset by the kill). */
  statuses: number[];
}

for (const engine of ['sqlite', 'postgres'] as Engine[]) {
  describe(`kill -9 under load, restart, redelivery as WeChat does (${engine})`, function () {
    this.timeout(120_000);
    let db: E2eDatabase;
    let sim: Simulator;
    let account: SimAccount;
    let dir: string;
    const servers: ServeProcess[] = [];

    before(async function () {
      db = await e2eDatabase(engine, this);
      sim = await startSimulator();
      account = sim.createAccount({ mode: 'safe' });
      dir = mkdtempSync(join(tmpdir(), 'wxoa-kill9-'));
    });

    after(async () => {
      for (const server of servers) await server.kill9();
      await sim?.close();
      await db?.dispose();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('stores every push answered 200 exactly once, and loses none after redelivery', async () => {
      const env = e2eEnv(sim, account, db.url, {
        WXOA_REPLY_BUDGET_MS: String(BUDGET_MS),
        LOG_LEVEL: 'error',
      });
      const signer: PushAccount = {
        appid: account.appid,
        token: account.token,
        encodingAesKey: account.encodingAesKey,
        ghId: account.ghId,
      };
      const createTime = Math.floor(Date.now() / 1000);
      const pushes: Push[] = [];
      for (let i = 0; i < PUSHES; i++) {
        const { openid } = account.follower();
        const kind = i % 2 === 0 ? 'follow' : 'text';
        const xml =
          kind === 'follow'
            ? eventXml({ from: openid, event: 'subscribe', to: account.ghId, createTime })
            : textXml({
                from: openid,
                content: `push ${i}`,
                to: account.ghId,
                createTime,
                msgId: String(7_000_000_000 + i),
              });
        pushes.push({ openid, kind, xml, statuses: [] });
      }
      const deliver = async (server: ServeProcess, push: Push): Promise<void> => {
        const status = await postPush(
          `${server.url}/wechat`,
          signPush(signer, push.xml, { mode: 'safe' }),
        ).then(
          (res) => res.status,
          () => 0,
        );
        push.statuses.push(status);
      };
      /** Delivers `batch` with CONCURRENCY requests in flight; `onAnswer` sees the count of answers. */
      const deliverAll = async (
        server: ServeProcess,
        batch: Push[],
        onAnswer: (answered: number) => void = () => undefined,
      ): Promise<void> => {
        let next = 0;
        let answered = 0;
        const worker = async (): Promise<void> => {
          while (next < batch.length) {
            await deliver(server, batch[next++]!);
            onAnswer(++answered);
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      };
      const ok = (p: Push): boolean => p.statuses.includes(200);

      // On PostgreSQL two instances on one database; the load goes to the first. A SQLite file is served by
      // one process at a time (serve-lock.ts): there the other instance starts once the first is dead.
      const first = await spawnServe(env, dir);
      servers.push(first);
      let other = engine === 'postgres' ? await spawnServe(env, dir) : null;
      if (other) servers.push(other);
      let killed: Promise<unknown> | undefined;
      await deliverAll(first, pushes, (answered) => {
        if (answered === KILL_AFTER) killed = first.kill9();
      });
      expect((await killed) as { signal: string | null }).to.include({ signal: 'SIGKILL' });
      const unanswered = pushes.filter((p) => !ok(p)).length;
      expect(unanswered, 'pushes cut off by the kill').to.be.above(0);
      if (!other) {
        other = await spawnServe(env, dir);
        servers.push(other);
      }

      // WeChat's first retry reaches the live instance at once, within the dead one's leases.
      await deliverAll(
        other,
        pushes.filter((p) => !ok(p)),
      );
      // The killed server comes back on the same database and takes the later retries.
      // (On SQLite the instance started after the kill is that restart.)
      const restarted = engine === 'postgres' ? await spawnServe(env, dir) : other;
      if (restarted !== other) servers.push(restarted);
      for (let round = 1; round < RETRY_ROUNDS && pushes.some((p) => !ok(p)); round++) {
        if (round > 1) await sleep(RETRY_SPACING_MS);
        await deliverAll(
          restarted,
          pushes.filter((p) => !ok(p)),
        );
      }
      for (const server of new Set([other, restarted])) {
        server.child.kill('SIGTERM');
        expect((await server.exit).code, server.output()).to.equal(0);
      }

      // Every answer was 200 or a 5xx (WeChat retries those); never 200 for a push that is not stored.
      const answers = pushes.flatMap((p) => p.statuses);
      expect(answers.filter((s) => s !== 0 && s !== 200 && s < 500)).to.deep.equal([]);
      expect(
        pushes.filter((p) => !ok(p)).map((p) => `${p.openid} ${p.statuses.join(',')}`),
        'pushes never answered 200',
      ).to.deep.equal([]);

      const store = openDb(engine, db.url);
      try {
        const counted = async (sql: string): Promise<Map<string, number>> =>
          new Map(
            (await store.all<{ openid: string; n: number }>(sql, [account.appid])).map((r) => [
              r.openid,
              Number(r.n),
            ]),
          );
        const events = await counted(
          'SELECT openid, COUNT(*) AS n FROM follower_events WHERE appid = ? GROUP BY openid',
        );
        const messages = await counted(
          `SELECT openid, COUNT(*) AS n FROM messages WHERE appid = ? AND direction = 'in' GROUP BY openid`,
        );
        const wrong = pushes
          .map((p) => ({ p, n: (p.kind === 'follow' ? events : messages).get(p.openid) ?? 0 }))
          .filter(({ n }) => n !== 1)
          .map(({ p, n }) => `${p.kind} ${p.openid} stored ${n}× (answers ${p.statuses.join(',')})`);
        expect(wrong, 'pushes answered 200 but not stored exactly once').to.deep.equal([]);
        expect([...events.values()].reduce((a, b) => a + b, 0)).to.equal(PUSHES / 2);
        expect([...messages.values()].reduce((a, b) => a + b, 0)).to.equal(PUSHES / 2);
      } finally {
        await store.close();
      }
    });
  });
}

function openDb(engine: Engine, url: string): Db {
  return engine === 'sqlite' ? openSqliteDb(url.slice('sqlite:'.length)) : openPostgresDb(url, silentLogger);
}
