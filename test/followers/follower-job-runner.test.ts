/**
 * Issue 14: a follower job runs once across instances. Two runners share one SQLite database and one
 * simulated WeChat; leases, takeovers and WeChat's busy answers are staged on an injected clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FollowerJobRunner } from '../../src/followers/follower-job-runner.js';
import { syncFollowers } from '../../src/followers/sync.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { WechatApi } from '../../src/wechat-api/index.js';

const TAGGING = '/cgi-bin/tags/members/batchtagging';

describe('follower jobs across instances', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let account: SimAccount;
  let dir: string;
  let store: Store;
  let api: WechatApi;
  let now = 1_800_000_000_000;
  const clock = () => now;
  let tag: number;

  before(async () => {
    sim = await startSimulator();
    account = sim.createAccount({ mode: 'plain' });
    account.seedFollowers(120);
    dir = mkdtempSync(join(tmpdir(), 'wxoa-jobs-'));
    store = await openStore(`sqlite:${join(dir, 'wxoa.db')}`, { clock });
    api = new WechatApi({
      appid: account.appid,
      appsecret: account.appsecret,
      apiBase: sim.url,
      backoffMs: 1,
    });
    await syncFollowers({ store, api, appid: account.appid });
    tag = (await api.createTag('staged')).id;
  });

  after(async () => {
    await store?.close();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const runner = (holder: string) =>
    new FollowerJobRunner({
      jobs: store.followerJobs,
      apiFor: () => api,
      holder,
      clock,
      leaseMs: 60_000,
      holderDead: () => false,
    });
  const batches = () => sim.calls.filter((c) => c.path === TAGGING && c.errcode === 0).length;

  it('leaves a job to the instance holding its lease, and takes it over once the lease ran out', async () => {
    const job = await store.followerJobs.create({
      appid: account.appid,
      kind: 'tag',
      tagId: tag,
      filter: { subscribed: true },
    });
    sim.clearCalls();
    // Instance A takes the job, then dies before sending anything.
    const taken = await store.followerJobs.take(job, 'A', 60_000);
    expect(taken?.holder).to.equal('A');
    // B and a second take of the same snapshot both find it held.
    expect(await store.followerJobs.take(job, 'C', 60_000)).to.equal(null);
    await runner('B').runOnce();
    expect(batches(), 'B sent nothing while A held the lease').to.equal(0);
    expect((await store.followerJobs.get(job.id))?.holder).to.equal('A');

    now += 60_001;
    await runner('B').runOnce();
    const done = await store.followerJobs.get(job.id);
    expect(done).to.include({ state: 'done', holder: 'B', done: 120, failed: 0 });
    expect(batches()).to.equal(3);
    // A, back from the dead, cannot settle a batch of a job it no longer holds.
    const late = await store.followerJobs.settle(
      taken!,
      'A',
      { last: 'zzz', accepted: [], failures: [], calls: 1 },
      60_000,
    );
    expect(late).to.equal(false);
  });

  it('waits after WeChat stays busy, then retries the same batch', async () => {
    const job = await store.followerJobs.create({
      appid: account.appid,
      kind: 'untag',
      tagId: tag,
      filter: { subscribed: true },
    });
    sim.clearCalls();
    // -1 on the first call and on each of the client's 3 retries: the job waits.
    sim.misbehave({ path: '/cgi-bin/tags/members/batchuntagging', kind: 'system_error', times: 4 });
    const b = runner('B');
    await b.runOnce();
    let state = await store.followerJobs.get(job.id);
    expect(state).to.include({ state: 'running', done: 0 });
    expect(state?.error).to.match(/-1/);
    expect(state?.retryAt).to.be.greaterThan(now);
    await b.runOnce();
    expect(sim.calls.length, 'nothing sent before retryAt').to.equal(4);

    now = state!.retryAt;
    await b.runOnce();
    state = await store.followerJobs.get(job.id);
    expect(state).to.include({ state: 'done', done: 120 });
    const sent = sim.calls
      .filter((c) => c.errcode === 0)
      .map((c) => (c.body as { openid_list: string[] }).openid_list);
    expect(sent.flat()).to.have.length(120);
    expect(new Set(sent.flat()).size).to.equal(120);
  });
});
