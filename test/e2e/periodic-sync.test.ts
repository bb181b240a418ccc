/**
 * Issue 10: the periodic follower sync, on by default with a real account, runs on ONE instance at a time.
 * Two servers on one PostgreSQL database: instance A's sync is held inside its first `user/get` (a gate
 * between A and the simulator), and instance B's timer fires meanwhile. B leaves the account alone; once A
 * finishes, B finds the sync done and not due. Staged with manual timers and the gate, never timed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { e2eDatabase, startE2eServer, type E2eDatabase, type E2eServer } from '../support/server.js';

/** A `setTimer` that fires only when the test says so. */
function manualTimers() {
  const pending: Array<{ run: () => void; ms: number }> = [];
  return {
    pending,
    setTimer(run: () => void, ms: number) {
      const timer = { run, ms };
      pending.push(timer);
      return {
        cancel() {
          const i = pending.indexOf(timer);
          if (i >= 0) pending.splice(i, 1);
        },
      };
    },
    fire() {
      const timer = pending.shift();
      if (!timer) throw new Error('no timer is pending');
      timer.run();
    },
  };
}

/** A loopback stand-in between one instance and WeChat (the simulator) that can hold `user/get`. */
async function startGate(target: string) {
  let release: () => void = () => undefined;
  let held: Promise<void> | null = null;
  let arrived: () => void = () => undefined;
  const arrival = new Promise<void>((resolve) => (arrived = resolve));
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (held && req.url?.startsWith('/cgi-bin/user/get')) {
          arrived();
          await held;
        }
        const body = chunks.length ? Buffer.concat(chunks) : undefined;
        const answer = await fetch(target + req.url, {
          method: req.method ?? 'GET',
          headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
          ...(body && req.method !== 'GET' ? { body } : {}),
        });
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
        res.end(Buffer.from(await answer.arrayBuffer()));
      })().catch((err: unknown) => {
        res.writeHead(502);
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold() {
      held = new Promise<void>((resolve) => (release = resolve));
    },
    /** Resolves once a held `user/get` has arrived. */
    arrival,
    open() {
      held = null;
      release();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('e2e: the periodic follower sync on two instances sharing PostgreSQL', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let account: SimAccount;
  let db: E2eDatabase;
  let gate: Awaited<ReturnType<typeof startGate>>;
  let a: E2eServer;
  let b: E2eServer;
  const timersA = manualTimers();
  const timersB = manualTimers();

  before(async function () {
    db = await e2eDatabase('postgres', this);
    sim = await startSimulator();
    account = sim.createAccount();
    gate = await startGate(sim.url);
    a = await startE2eServer({
      sim,
      account,
      databaseUrl: db.url,
      env: { WECHAT_API_BASE: gate.url },
      sync: { setTimer: timersA.setTimer, holder: 'instance-a' },
    });
    b = await startE2eServer({
      sim,
      account,
      databaseUrl: db.url,
      keepWebhookUrls: true,
      sync: { setTimer: timersB.setTimer, holder: 'instance-b' },
    });
  });

  after(async () => {
    gate?.open();
    await a?.close();
    await b?.close();
    await gate?.close();
    await sim?.close();
    await db?.dispose();
  });

  const userGets = () => sim.calls.filter((c) => c.path === '/cgi-bin/user/get').length;

  it('is on by default with a real account, and only one instance syncs an account at a time', async () => {
    account.seedFollowers(30);
    // WXOA_SYNC_INTERVAL unset: daily. Each instance has its first check scheduled a few minutes out.
    expect(a.wxoa.config.syncIntervalSeconds).to.equal(86_400);
    expect(timersA.pending).to.have.length(1);
    expect(timersB.pending).to.have.length(1);

    gate.hold();
    timersA.fire();
    await gate.arrival; // A holds the account's lease and waits on WeChat
    const runningA = a.wxoa.periodicSync.runOnce(); // joins A's run in progress

    timersB.fire();
    expect(await b.wxoa.periodicSync.runOnce()).to.deep.equal([]);
    // Even forced (not waiting to be due), B finds the lease held and leaves the account alone.
    expect(await b.wxoa.periodicSync.runOnce(true)).to.deep.equal([]);
    expect(userGets()).to.equal(0);
    const [running] = await b.wxoa.store.syncRuns.recent(account.appid, 5);
    expect(running).to.include({ holder: 'instance-a', outcome: 'running', trigger: 'periodic' });

    gate.open();
    const [result] = await runningA;
    expect(result).to.include({ listed: 30, newlyFound: 30, enriched: 30, unsubscribed: 0 });
    expect(userGets()).to.equal(1);

    // B's next check: the account was synced just now by A, so it is not due for a day.
    while (timersB.pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
    timersB.fire();
    expect(await b.wxoa.periodicSync.runOnce()).to.deep.equal([]);
    expect(userGets()).to.equal(1);

    const runs = await a.wxoa.store.syncRuns.recent(account.appid, 5);
    expect(runs.map((r) => [r.holder, r.outcome, r.listed])).to.deep.equal([['instance-a', 'done', 30]]);
  });
});
