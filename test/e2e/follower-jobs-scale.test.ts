/**
 * Issue 14, end to end: a tagging job over 10 000 followers, a few hundred of whom WeChat refuses (20 tags
 * already, or no longer following), finishes with exactly those listed as failed and everyone else tagged,
 * in WeChat and in the local rows.
 */
import { expect } from 'chai';
import { syncFollowers } from '../../src/followers/sync.js';
import type { Follower as SimFollowerState } from '../../src/simulator/follower.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import {
  callsTo,
  e2eDatabase,
  eventually,
  startE2eServer,
  type E2eDatabase,
  type E2eServer,
  type Engine,
} from '../support/server.js';

const FOLLOWERS = 10_000;
const FULL = 250;
const LEFT = 50;

// WXOA_SCALE_ENGINES=sqlite (or postgres) runs one engine only: the job makes about 3 800 API calls.
for (const engine of (process.env['WXOA_SCALE_ENGINES'] ?? 'sqlite,postgres').split(',') as Engine[]) {
  describe(`e2e: a tagging job over ${FOLLOWERS} followers with refusals (${engine})`, function () {
    this.timeout(240_000);
    let sim: Simulator;
    let account: SimAccount;
    let db: E2eDatabase;
    let server: E2eServer;

    before(async function () {
      db = await e2eDatabase(engine, this);
      sim = await startSimulator();
      account = sim.createAccount({ mode: 'plain' });
      server = await startE2eServer({ sim, account, databaseUrl: db.url });
    });

    after(async () => {
      await server?.close();
      await sim?.close();
      await db?.dispose();
    });

    it('lists exactly the followers WeChat refused, and tags everyone else', async () => {
      const people = account.seedFollowers(FOLLOWERS);
      await syncFollowers({
        store: server.wxoa.store,
        api: server.wxoa.apiFor(account.appid)!,
        appid: account.appid,
      });
      // A seeded shuffle picks who is refused: 250 carry 20 tags already, 50 left after the sync.
      let seed = 14;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const shuffled = [...people].sort(() => random() - 0.5);
      const full = shuffled.slice(0, FULL).map((p) => p.openid);
      const left = shuffled.slice(FULL, FULL + LEFT).map((p) => p.openid);
      for (const openid of full) {
        (account.follower(openid) as unknown as SimFollowerState).tagIds = Array.from(
          { length: 20 },
          (_, i) => 500 + i,
        );
      }
      for (const openid of left) (account.follower(openid) as unknown as SimFollowerState).subscribed = false;

      const created = await server.api('/api/tags', {
        method: 'POST',
        body: JSON.stringify({ name: 'everyone' }),
      });
      const tag = created.body.id as number;
      sim.clearCalls();
      const started = await server.api(`/api/tags/${tag}/members`, {
        method: 'POST',
        body: JSON.stringify({ filter: { subscribed: true } }),
      });
      expect(started.status).to.equal(202);
      expect(started.body.job.total).to.equal(FOLLOWERS);
      let job: Record<string, unknown> = {};
      await eventually(
        'the job finishes',
        async () => {
          job = (await server.api(`/api/jobs/${started.body.job.id}`)).body;
          return job['state'] === 'done';
        },
        200_000,
      );

      const failed = job['failed'] as { openid: string; error: string }[];
      expect(failed.map((f) => f.openid).sort()).to.deep.equal([...full, ...left].sort());
      for (const f of failed) {
        expect(f.error).to.match(full.includes(f.openid) ? /20 tags/ : /not a follower/);
      }
      expect(job['done']).to.equal(FOLLOWERS - FULL - LEFT);
      const refused = new Set([...full, ...left]);
      for (const p of people) {
        const carries = (account.follower(p.openid) as unknown as SimFollowerState).tagIds.includes(tag);
        expect(carries, p.openid).to.equal(!refused.has(p.openid));
      }
      // Locally too: exactly those WeChat accepted carry the tag.
      const tagCount = await server.wxoa.store.tags.memberCount(account.appid, tag);
      expect(tagCount).to.equal(FOLLOWERS - FULL - LEFT);
      // Every batch call held at most 50; the first pass was one call for each 50.
      const calls = callsTo(sim, '/cgi-bin/tags/members/batchtagging');
      expect(calls.every((c) => (c.body as { openid_list: string[] }).openid_list.length <= 50)).to.equal(
        true,
      );
      expect(
        calls.filter((c) => (c.body as { openid_list: string[] }).openid_list.length === 50).length,
      ).to.equal(FOLLOWERS / 50);
    });
  });
}
