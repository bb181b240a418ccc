/**
 * Issue 14, end to end: a tagging job survives `kill -9` of the server mid-job and finishes after a restart
 * with no batch sent twice. The real server runs as a child process; the simulator holds one batch call long
 * enough for the kill to land while it is in flight (it is then dropped, as a request lost on the way, so
 * WeChat saw each OpenID at most once before the kill). Counted on the simulator's recorded calls.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { syncFollowers } from '../../src/followers/sync.js';
import type { Follower as SimFollowerState } from '../../src/simulator/follower.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { openStore } from '../../src/store/index.js';
import { WechatApi } from '../../src/wechat-api/index.js';
import { spawnServe, type ServeProcess } from '../support/serve-process.js';
import { ADMIN_TOKEN, callsTo, e2eEnv, eventually } from '../support/server.js';

const TAGGING = '/cgi-bin/tags/members/batchtagging';
const FOLLOWERS = 2_000;
/** Batches WeChat answers before the one in flight when the server is killed. */
const SETTLED_BEFORE_KILL = 10;

describe('e2e: a tagging job killed with -9 mid-job resumes after a restart, no batch sent twice', function () {
  this.timeout(180_000);
  let sim: Simulator;
  let account: SimAccount;
  let dir: string;
  const servers: ServeProcess[] = [];

  before(async () => {
    sim = await startSimulator();
    account = sim.createAccount({ mode: 'plain' });
    dir = mkdtempSync(join(tmpdir(), 'wxoa-jobs-kill9-'));
  });

  after(async () => {
    for (const server of servers) await server.kill9();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finishes every follower exactly once across the kill', async () => {
    const databaseUrl = `sqlite:${join(dir, 'wxoa.db')}`;
    account.seedFollowers(FOLLOWERS);
    // The followers are known locally first: a sync, as `wxoa sync` would run it.
    const store = await openStore(databaseUrl);
    try {
      const api = new WechatApi({ appid: account.appid, appsecret: account.appsecret, apiBase: sim.url });
      await syncFollowers({ store, api, appid: account.appid });
    } finally {
      await store.close();
    }
    const env = e2eEnv(sim, account, databaseUrl, { LOG_LEVEL: 'error' });
    const call = async (server: ServeProcess, path: string, init: RequestInit = {}) => {
      const response = await fetch(server.url + path, {
        ...init,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      });
      return (await response.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    };

    const first = await spawnServe(env, dir);
    servers.push(first);
    const tag = (
      await call(first, '/api/tags', { method: 'POST', body: JSON.stringify({ name: 'resumed' }) })
    )['id'] as number;
    sim.clearCalls();
    // The 11th batch call is held (and dropped if its caller is gone by then).
    sim.misbehave({ path: TAGGING, kind: 'slow', ms: 3_000, after: SETTLED_BEFORE_KILL, dropIfGone: true });
    const started = await call(first, `/api/tags/${tag}/members`, {
      method: 'POST',
      body: JSON.stringify({ filter: { subscribed: true } }),
    });
    const id = started['job']['id'] as number;
    expect(started['job']['total']).to.equal(FOLLOWERS);
    await eventually(
      `${SETTLED_BEFORE_KILL} batches settled`,
      async () => (await call(first, `/api/jobs/${id}`))['done'] >= SETTLED_BEFORE_KILL * 50,
      60_000,
    );
    // The next batch goes out as soon as the last one is settled (it is held for 3 s): the kill lands while
    // it is in flight.
    expect(callsTo(sim, TAGGING)).to.have.length(SETTLED_BEFORE_KILL);
    await eventually(
      'the next batch to reach WeChat, where it is held',
      async () => sim.pendingMisbehaviour === 0,
    );
    await first.kill9();

    const second = await spawnServe(env, dir);
    servers.push(second);
    let job: Record<string, unknown> = {};
    await eventually(
      'the job finishes on the restarted server',
      async () => {
        job = await call(second, `/api/jobs/${id}`);
        return job['state'] === 'done';
      },
      120_000,
    );
    expect(job).to.include({ state: 'done', done: FOLLOWERS, total: FOLLOWERS });
    expect(job['failed']).to.deep.equal([]);

    const sent = callsTo(sim, TAGGING).map((c) => (c.body as { openid_list: string[] }).openid_list);
    expect(sent, 'exactly one call a batch of 50').to.have.length(FOLLOWERS / 50);
    const openids = sent.flat();
    expect(new Set(openids).size, 'no OpenID sent twice').to.equal(openids.length);
    expect(openids).to.have.length(FOLLOWERS);
    for (const openid of account.followers()) {
      expect((account.follower(openid) as unknown as SimFollowerState).tagIds).to.include(tag);
    }
  });
});
