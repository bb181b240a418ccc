/**
 * Issue 11, data scale: no admin read blocks the thread that answers WeChat. On SQLite (better-sqlite3 is
 * synchronous) the admin API's and the console's reads run on a read-only connection in a worker thread.
 * Staged without timing: the worker's test gate holds an admin read in progress for as long as the test
 * likes, and a push sent meanwhile must be answered before the read is let go. Were the read on the main
 * thread, the push would wait behind it (and the read would never reach the worker's gate).
 */
import { expect } from 'chai';
import { createLoginLink } from '../../src/http/console/index.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { Browser } from '../support/hand-browser.js';
import { eventXml, sendPush, textXml } from '../support/push.js';
import { e2eDatabase, startE2eServer, type E2eDatabase, type E2eServer } from '../support/server.js';

// Atomics.waitAsync (Node 16+) is not in the compiler's lib of this project's target yet.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

describe('e2e: admin reads off the push thread (SQLite)', function () {
  let sim: Simulator;
  let account: SimAccount;
  let db: E2eDatabase;
  let store: Store;
  let server: E2eServer;
  // Slot 0: the gate (0 closed, 1 open); slot 1: reads the worker started.
  const gate = new Int32Array(new SharedArrayBuffer(8));
  const open = () => {
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
  };

  before(async function () {
    db = await e2eDatabase('sqlite', this);
    sim = await startSimulator();
    account = sim.createAccount({ mode: 'plain' });
    open();
    store = await openStore(db.url, { readWorker: { gate } });
    server = await startE2eServer({
      sim,
      account,
      databaseUrl: db.url,
      store,
      console: true,
      configFile: {
        replies: { keywords: [{ match: 'exact', pattern: 'hello', reply: { type: 'text', content: 'Hi' } }] },
      },
    });
    const follow = await sendPush(
      `${server.url}/wechat`,
      account,
      eventXml({ from: 'o-reader', event: 'subscribe' }),
    );
    expect(follow.status).to.equal(200);
  });

  after(async () => {
    open();
    await server?.close();
    await store?.close();
    await sim?.close();
    await db?.dispose();
  });

  /** Closes the gate, starts `read`, and resolves once the worker holds it; `settled` tells if it finished. */
  async function heldRead<T>(read: () => Promise<T>) {
    Atomics.store(gate, 0, 0);
    const started = Atomics.load(gate, 1);
    let settled = false;
    const result = read().finally(() => {
      settled = true;
    });
    // Resolves when the worker counts the read as started (no polling, no timer).
    const waited = waitAsync(gate, 1, started);
    if (waited.async) await waited.value;
    return { result, settled: () => settled };
  }

  it('answers a push while an admin API read is in progress', async () => {
    const held = await heldRead(() => server.api('/api/followers?search=o-'));
    const answer = await sendPush(
      `${server.url}/wechat`,
      account,
      textXml({ from: 'o-reader', content: 'hello' }),
    );
    expect(answer.reply?.['Content']).to.equal('Hi');
    expect(held.settled(), 'the admin read finished before the push was answered').to.equal(false);
    open();
    const page = await held.result;
    expect(page.status).to.equal(200);
    expect(page.body.followers.map((f: { openid: string }) => f.openid)).to.deep.equal(['o-reader']);
  });

  it('answers a push while a console page is being read', async () => {
    const browser = new Browser();
    const signIn = await browser.get(await createLoginLink(server.wxoa, server.url));
    expect(signIn.status).to.equal(302);
    const held = await heldRead(() => browser.get(`${server.url}/admin/followers`));
    const answer = await sendPush(
      `${server.url}/wechat`,
      account,
      textXml({ from: 'o-reader', content: 'hello' }),
    );
    expect(answer.reply?.['Content']).to.equal('Hi');
    expect(held.settled()).to.equal(false);
    open();
    const page = await held.result;
    expect(page.status).to.equal(200);
    expect(page.body).to.contain('o-reader');
  });

  it('reads what a push committed just before', async () => {
    await sendPush(`${server.url}/wechat`, account, eventXml({ from: 'o-second', event: 'subscribe' }));
    const follower = await server.api('/api/followers/o-second');
    expect(follower.status).to.equal(200);
    expect(follower.body.subscribed).to.equal(true);
  });
});
