/**
 * Issue 9, defect 2: a PostgreSQL restart under load used to kill the process (`Unhandled 'error' event …
 * Connection terminated unexpectedly`). The real server runs as a child process on a cluster of this test's
 * own (the shared one is never stopped) while a stream of distinct signed pushes arrives; PostgreSQL is
 * stopped at once and started again mid-stream.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { silentLogger } from '../../src/logger.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { openPostgresDb } from '../../src/store/postgres-db.js';
import { startPrivateCluster, PostgresUnavailableError, type PrivateCluster } from '../support/postgres.js';
import { eventXml, postPush, signPush, type PushAccount } from '../support/push.js';
import { spawnServe, type ServeProcess } from '../support/serve-process.js';
import { e2eEnv, eventually } from '../support/server.js';

interface Sent {
  openid: string;
  xml: string;
  phase: 'up' | 'down' | 'starting' | 'back';
  /** HTTP status, or 0 when the request failed (connection refused or reset). */
  status: number;
  error?: string;
}

describe('a PostgreSQL restart under a stream of pushes (real server process)', function () {
  this.timeout(120_000);
  let cluster: PrivateCluster | undefined;
  let sim: Simulator;
  let account: SimAccount;
  let server: ServeProcess | undefined;
  let dir: string;

  before(async function () {
    try {
      cluster = await startPrivateCluster();
    } catch (error) {
      if (error instanceof PostgresUnavailableError && !process.env['CI']) this.skip();
      throw error;
    }
    sim = await startSimulator();
    account = sim.createAccount({ mode: 'safe' });
    dir = mkdtempSync(join(tmpdir(), 'wxoa-pg-restart-'));
  });

  after(async () => {
    await server?.kill9();
    await sim?.close();
    cluster?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stays up, answers 5xx and /healthz 503 while the database is down, and recovers on its own', async () => {
    const pg = cluster!;
    const running = await spawnServe(
      // A periodic sync every second: background work must survive the restart too.
      e2eEnv(sim, account, pg.url, {
        WXOA_REPLY_BUDGET_MS: '1000',
        WXOA_SYNC_INTERVAL: '1',
        LOG_LEVEL: 'warn',
      }),
      dir,
    );
    server = running;
    const push: PushAccount = {
      appid: account.appid,
      token: account.token,
      encodingAesKey: account.encodingAesKey,
      ghId: account.ghId,
    };
    let lastError = '';
    const deliver = (xml: string): Promise<number> =>
      postPush(`${running.url}/wechat`, signPush(push, xml, { mode: 'safe' })).then(
        (res) => res.status,
        (err: Error) => {
          lastError = `${err.message} ${String((err.cause as Error | undefined)?.message)}`;
          return 0;
        },
      );
    const health = async (): Promise<number> => {
      if (running.exited()) throw new Error(`the server exited:\n${running.output()}`);
      return fetch(`${running.url}/healthz`).then(
        (res) => res.status,
        () => 0,
      );
    };

    const sent: Sent[] = [];
    let phase: Sent['phase'] = 'up';
    let streaming = true;
    const stream = async (): Promise<void> => {
      while (streaming) {
        const { openid } = account.follower(); // a follower WeChat knows, so that enrichment finds it
        const xml = eventXml({ from: openid, event: 'subscribe', to: account.ghId });
        const entry: Sent = { openid, xml, phase, status: 0 };
        entry.status = await deliver(xml);
        if (entry.status === 0) entry.error = lastError;
        sent.push(entry);
      }
    };
    const count = (p: Sent['phase'], ok: (status: number) => boolean): number =>
      sent.filter((s) => s.phase === p && ok(s.status)).length;
    const workers = [stream(), stream(), stream(), stream()];
    try {
      await eventually('pushes are handled', () => count('up', (s) => s === 200) >= 40, 30_000);
      pg.stop(); // -m immediate: every open connection, idle or in a transaction, is cut
      phase = 'down';
      await eventually('/healthz says 503', async () => (await health()) === 503, 30_000);
      await eventually('pushes get 5xx', () => count('down', (s) => s >= 500) >= 20, 30_000);
      // A push sent before the start may be handled once the database is back: it counts as neither.
      phase = 'starting';
      pg.start();
      phase = 'back';
      await eventually('/healthz says 200', async () => (await health()) === 200, 30_000);
      await eventually('pushes are handled again', () => count('back', (s) => s === 200) >= 40, 30_000);
    } finally {
      streaming = false;
      await Promise.all(workers);
    }

    expect(running.exited(), running.output()).to.equal(false);
    expect(running.output()).to.not.match(/Unhandled .error. event/i);
    // Never refused at the socket, never 200 while the database was down.
    expect(sent.filter((s) => s.status === 0).map((s) => `${s.phase} ${s.openid} ${s.error}`)).to.deep.equal(
      [],
    );
    expect(sent.filter((s) => s.phase === 'down' && s.status === 200).map((s) => s.openid)).to.deep.equal([]);
    expect(sent.every((s) => s.status === 200 || s.status >= 500)).to.equal(true);

    // WeChat delivers again what was not answered 200: all of it is handled now.
    for (const s of sent.filter((x) => x.status !== 200)) s.status = await deliver(s.xml);
    expect(sent.filter((s) => s.status !== 200).map((s) => s.openid)).to.deep.equal([]);

    const db = openPostgresDb(pg.url, silentLogger);
    try {
      const rows = await db.all<{ openid: string; n: number }>(
        `SELECT openid, COUNT(*) AS n FROM follower_events WHERE appid = ? GROUP BY openid`,
        [account.appid],
      );
      const stored = new Map(rows.map((r) => [r.openid, Number(r.n)]));
      const missing = sent.filter((s) => stored.get(s.openid) !== 1).map((s) => s.openid);
      expect(missing, 'pushes answered 200 but not stored exactly once').to.deep.equal([]);
      // Background work came back too: the enrichment worker enriches the followers captured since.
      const since = sent.filter((s) => s.phase === 'back').map((s) => s.openid);
      await eventually(
        'followers captured after the restart are enriched',
        async () => {
          const rows = await db.all<{ openid: string }>(
            'SELECT openid FROM followers WHERE appid = ? AND enriched_at IS NOT NULL',
            [account.appid],
          );
          const enriched = new Set(rows.map((r) => r.openid));
          return since.every((openid) => enriched.has(openid));
        },
        30_000,
      );
    } finally {
      await db.close();
    }
    expect(running.exited(), running.output()).to.equal(false);
  });
});
