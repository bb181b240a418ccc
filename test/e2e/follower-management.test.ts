/**
 * Issue 14, end to end: tags, tagging jobs, remarks and the blacklist (INTERFACE.md §10) against the
 * simulator's WeChat, on SQLite and PostgreSQL: each route, each limit refused before calling (nothing sent),
 * WeChat's refusals as plain messages, jobs in batches at WeChat's limits with per-follower failures, and a
 * sync that brings the tag list and the blacklist up to date.
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

const TAGGING = '/cgi-bin/tags/members/batchtagging';
const UNTAGGING = '/cgi-bin/tags/members/batchuntagging';
const BLACKLISTING = '/cgi-bin/tags/members/batchblacklist';

for (const engine of ['sqlite', 'postgres'] as Engine[]) {
  describe(`e2e: tags, remarks and the blacklist on ${engine}`, function () {
    this.timeout(60_000);
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

    const json = (method: string, body: unknown) => ({ method, body: JSON.stringify(body) });
    const sync = () =>
      syncFollowers({
        store: server.wxoa.store,
        api: server.wxoa.apiFor(account.appid)!,
        appid: account.appid,
      });
    /** Polls a job until it has finished; returns it. */
    async function finished(id: number) {
      let job: { state: string } & Record<string, unknown> = { state: 'queued' };
      await eventually(
        `job ${id} finishes`,
        async () => {
          job = (await server.api(`/api/jobs/${id}`)).body;
          return job.state === 'done' || job.state === 'failed';
        },
        40_000,
      );
      return job;
    }

    it('lists, creates, renames and deletes tags, refusing WeChat\u2019s limits before calling', async () => {
      const listed = await server.api('/api/tags');
      expect(listed.status).to.equal(200);
      expect(listed.body.tags).to.deep.include({ id: 2, name: '星标组', count: 0 });

      const created = await server.api('/api/tags', json('POST', { name: '广东' }));
      expect(created.status).to.equal(201);
      expect(created.body).to.include({ name: '广东' });
      const id = created.body.id as number;

      sim.clearCalls();
      const tooLong = await server.api('/api/tags', json('POST', { name: 'x'.repeat(31) }));
      expect(tooLong.status).to.equal(400);
      expect(tooLong.body.error.message).to.match(/31 characters.*at most 30/);
      const duplicate = await server.api('/api/tags', json('POST', { name: '广东' }));
      expect(duplicate.status).to.equal(400);
      expect(duplicate.body.error.message).to.match(/exists already/);
      for (const reserved of [0, 1, 2]) {
        expect((await server.api(`/api/tags/${reserved}`, json('PATCH', { name: 'mine' }))).status).to.equal(
          400,
        );
        const del = await server.api(`/api/tags/${reserved}`, { method: 'DELETE' });
        expect(del.status).to.equal(400);
        expect(del.body.error.message).to.match(/WeChat.s own/);
      }
      expect(
        sim.calls.filter((c) => c.path.startsWith('/cgi-bin/tags')),
        'nothing sent',
      ).to.deep.equal([]);

      const renamed = await server.api(`/api/tags/${id}`, json('PATCH', { name: '广东人' }));
      expect(renamed.status).to.equal(200);
      expect(renamed.body).to.deep.equal({ id, name: '广东人' });
      // A name WeChat knows but this copy does not (created in WeChat's own console): WeChat's 45157.
      const other = await server.api('/api/tags', json('POST', { name: 'other' }));
      const clash = await server.api(`/api/tags/${other.body.id}`, json('PATCH', { name: '广东人' }));
      expect(clash.status).to.equal(400);

      const deleted = await server.api(`/api/tags/${other.body.id}`, { method: 'DELETE' });
      expect(deleted.status).to.equal(204);
      const gone = await server.api(`/api/tags/${other.body.id}`, { method: 'DELETE' });
      expect(gone.status).to.equal(404);
      expect(gone.body.error.message).to.match(/no tag/);
    });

    it('refuses a 101st tag: from WeChat first (45056), then before calling', async () => {
      const { body } = await server.api('/api/tags');
      for (let i = body.tags.length; i < 100; i++) {
        expect((await server.api('/api/tags', json('POST', { name: `bulk ${i}` }))).status).to.equal(201);
      }
      sim.clearCalls();
      const over = await server.api('/api/tags', json('POST', { name: 'one too many' }));
      expect(over.status).to.equal(400);
      expect(over.body.error.message).to.match(/100 tags/);
      expect(callsTo(sim, '/cgi-bin/tags/create')).to.have.length(0);
      // Back under the limit for the next tests.
      const { body: all } = await server.api('/api/tags');
      for (const t of all.tags.filter((t: { name: string }) => t.name.startsWith('bulk '))) {
        await server.api(`/api/tags/${t.id}`, { method: 'DELETE' });
      }
    });

    it('tags a list of OpenIDs in batches of 50, listing the followers WeChat refused', async () => {
      const people = account.seedFollowers(120);
      await sync();
      const tag = (await server.api('/api/tags', json('POST', { name: 'list job' }))).body.id as number;
      // One follower carries 20 tags already; one OpenID is not a follower of this account.
      const full = people[7]!;
      (full as unknown as SimFollowerState).tagIds = Array.from({ length: 20 }, (_, i) => 1000 + i);
      const stranger = 'oStrangerNotAFollower000000';
      sim.clearCalls();
      const openids = [...people.map((p) => p.openid), stranger];
      const started = await server.api(`/api/tags/${tag}/members`, json('POST', { openids }));
      expect(started.status).to.equal(202);
      expect(started.body.job).to.include({ total: 121 });
      const job = await finished(started.body.job.id);
      expect(job).to.include({ state: 'done', done: 119 });
      expect((job.failed as { openid: string }[]).map((f) => f.openid).sort()).to.deep.equal(
        [full.openid, stranger].sort(),
      );
      expect((job.failed as { error: string }[]).map((f) => f.error).join(' ')).to.match(/20 tags/);
      for (const call of callsTo(sim, TAGGING)) {
        expect((call.body as { openid_list: string[] }).openid_list.length).to.be.at.most(50);
      }
      // The local rows follow what WeChat accepted, and only that.
      const tagged = await server.api(`/api/followers?tag=${tag}&limit=200`);
      expect(tagged.body.followers).to.have.length(119);
      expect((await server.api(`/api/followers/${full.openid}`)).body.tags).to.not.include(tag);

      const untag = await server.api(
        `/api/tags/${tag}/members`,
        json('DELETE', { openids: [people[0]!.openid] }),
      );
      expect(untag.status).to.equal(202);
      expect(await finished(untag.body.job.id)).to.include({ state: 'done', done: 1 });
      expect(callsTo(sim, UNTAGGING)).to.have.length(1);
      expect((await server.api(`/api/followers/${people[0]!.openid}`)).body.tags).to.not.include(tag);
    });

    it('tags every follower matching a filter, retrying a busy answer', async () => {
      const tag = (await server.api('/api/tags', json('POST', { name: 'filter job' }))).body.id as number;
      const subscribed = (await server.api('/api/followers?subscribed=true&limit=200')).body.followers.length;
      sim.clearCalls();
      sim.misbehave({ path: TAGGING, kind: 'system_error', times: 1 });
      const started = await server.api(
        `/api/tags/${tag}/members`,
        json('POST', { filter: { subscribed: true } }),
      );
      expect(started.status).to.equal(202);
      const job = await finished(started.body.job.id);
      expect(job).to.include({ state: 'done' });
      expect((job.done as number) + (job.failed as unknown[]).length).to.equal(subscribed);
      const { body } = await server.api('/api/tags');
      expect(body.tags.find((t: { id: number }) => t.id === tag).count).to.equal(job.done);
    });

    it('refuses bad job bodies and unknown tags with nothing sent', async () => {
      sim.clearCalls();
      for (const body of [
        {},
        { openids: [] },
        { openids: 'x' },
        { filter: { colour: 'red' } },
        { openids: ['a'], filter: {} },
      ]) {
        const answer = await server.api('/api/tags/2/members', json('POST', body));
        expect(answer.status, JSON.stringify(body)).to.equal(400);
      }
      expect(
        (await server.api('/api/tags/99999/members', json('POST', { openids: ['oX'] }))).status,
      ).to.equal(404);
      expect((await server.api('/api/jobs/424242')).status).to.equal(404);
      expect(sim.calls.filter((c) => c.path.includes('members/batch'))).to.deep.equal([]);
    });

    it('sets a remark, refusing more than 30 bytes of UTF-8 before calling', async () => {
      const openid = account.followers()[0]!;
      const ok = await server.api(`/api/followers/${openid}/remark`, json('PUT', { remark: '老客户 VIP' }));
      expect(ok.status).to.equal(200);
      expect(ok.body).to.include({ openid, remark: '老客户 VIP', blacklisted: false });
      expect((account.follower(openid) as unknown as SimFollowerState).remark).to.equal('老客户 VIP');
      sim.clearCalls();
      // 11 CJK characters: 33 bytes, under WeChat's documented 30 characters but over what it takes.
      const over = await server.api(
        `/api/followers/${openid}/remark`,
        json('PUT', { remark: '一二三四五六七八九十一' }),
      );
      expect(over.status).to.equal(400);
      expect(over.body.error.message).to.match(/33 bytes/);
      expect(callsTo(sim, '/cgi-bin/user/info/updateremark')).to.have.length(0);
      expect(
        (await server.api(`/api/followers/oNobody000/remark`, json('PUT', { remark: 'x' }))).status,
      ).to.equal(404);
    });

    it('blocks and unblocks in batches of 20, shows blacklisted and filters by it', async () => {
      const openids = account.followers().slice(0, 45);
      sim.clearCalls();
      const added = await server.api('/api/blacklist', json('POST', { openids }));
      expect(added.status).to.equal(202);
      expect(await finished(added.body.job.id)).to.include({ state: 'done', done: 45 });
      expect(
        callsTo(sim, BLACKLISTING).map((c) => (c.body as { openid_list: string[] }).openid_list.length),
      ).to.deep.equal([20, 20, 5]);
      expect((await server.api(`/api/followers/${openids[0]}`)).body.blacklisted).to.equal(true);
      const listed = await server.api('/api/blacklist');
      expect(listed.body.openids.sort()).to.deep.equal([...openids].sort());
      const filtered = await server.api('/api/followers?blacklisted=true&limit=200');
      expect(filtered.body.followers.map((f: { openid: string }) => f.openid).sort()).to.deep.equal(
        [...openids].sort(),
      );

      const removed = await server.api('/api/blacklist', json('DELETE', { openids: openids.slice(0, 5) }));
      expect(await finished(removed.body.job.id)).to.include({ state: 'done', done: 5 });
      expect((await server.api(`/api/followers/${openids[0]}`)).body.blacklisted).to.equal(false);
      expect((await server.api('/api/followers?blacklisted=true&limit=200')).body.followers).to.have.length(
        40,
      );
    });

    it('answers 502 when WeChat refuses for the account, not the request (a missing IP whitelist entry)', async () => {
      sim.misbehave({ path: '/cgi-bin/tags/get', kind: 'invalid_credential', times: 2 });
      const answer = await server.api('/api/tags');
      expect(answer.status).to.equal(502);
      expect(answer.body.error.code).to.equal('wechat_error');
    });

    it('sync brings the tag list and the blacklist up to date: a tag deleted in WeChat disappears', async () => {
      const tag = (await server.api('/api/tags', json('POST', { name: 'deleted in WeChat' }))).body
        .id as number;
      const openid = account.followers()[3]!;
      const job = await server.api(`/api/tags/${tag}/members`, json('POST', { openids: [openid] }));
      await finished(job.body.job.id);
      expect((await server.api(`/api/followers/${openid}`)).body.tags).to.include(tag);
      // Changed in WeChat's own console: the tag deleted, a follower unblocked, another blocked.
      const simAccount = account as unknown as { tags: Map<number, unknown> };
      simAccount.tags.delete(tag);
      (account.follower(openid) as unknown as SimFollowerState).tagIds = [];
      const unblocked = account.followers()[10]!;
      const blocked = account.followers()[100]!;
      (account.follower(unblocked) as unknown as SimFollowerState).blacklisted = false;
      (account.follower(blocked) as unknown as SimFollowerState).blacklisted = true;

      await sync();

      expect((await server.api(`/api/followers/${openid}`)).body.tags).to.not.include(tag);
      expect((await server.api(`/api/followers?tag=${tag}`)).body.followers).to.deep.equal([]);
      expect((await server.wxoa.followerAdmin.storedTags(account.appid)).map((t) => t.id)).to.not.include(
        tag,
      );
      expect((await server.api(`/api/followers/${unblocked}`)).body.blacklisted).to.equal(false);
      expect((await server.api(`/api/followers/${blocked}`)).body.blacklisted).to.equal(true);
    });
  });
}
