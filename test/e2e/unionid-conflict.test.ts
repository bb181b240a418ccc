/**
 * Issue 10: a UnionID never changes for an OpenID. When the simulated WeChat is made to report another one
 * (user/info/batchget on a re-follow, or at web sign-in), the follower keeps the first, the conflict is
 * recorded with its history, a warning is logged, and the console's follower page shows it — on SQLite and
 * on PostgreSQL.
 */
import { expect } from 'chai';
import { mountConsole } from '../../src/http/console/index.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { ConsoleClient } from '../console/console-client.js';
import { captureLogs, type LogLine } from '../support/log-capture.js';
import {
  ADMIN_TOKEN,
  e2eDatabase,
  eventually,
  freePort,
  startE2eServer,
  type E2eDatabase,
  type E2eServer,
  type Engine,
} from '../support/server.js';

const OTHER = 'oOtherUnionIdFromWeChat0000001';
const OTHER_AT_SIGN_IN = 'oOtherUnionIdAtSignIn000000002';

/** Follows no redirect by itself and keeps cookies, like the browser of an OAuth round trip. */
async function get(
  url: string,
  cookie = '',
): Promise<{ status: number; location: string; setCookie: string }> {
  const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  await res.text();
  const setCookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { status: res.status, location: res.headers.get('location') ?? '', setCookie };
}

for (const engine of ['sqlite', 'postgres'] as Engine[]) {
  describe(`e2e: a UnionID never changes for an OpenID (${engine})`, function () {
    let sim: Simulator;
    let account: SimAccount;
    let db: E2eDatabase;
    let server: E2eServer;
    let lines: LogLine[];
    let publicUrl: string;

    before(async function () {
      db = await e2eDatabase(engine, this);
      sim = await startSimulator();
      account = sim.createAccount({ mode: 'safe' });
      const capture = captureLogs('info');
      lines = capture.lines;
      const port = await freePort();
      publicUrl = `http://127.0.0.1:${port}`;
      server = await startE2eServer({
        sim,
        account,
        databaseUrl: db.url,
        port,
        env: { PUBLIC_URL: publicUrl },
        logger: capture.logger,
        enrichment: { debounceMs: 20 },
        extend: (w) => mountConsole(w, { sandbox: null }),
      });
    });

    after(async () => {
      await server?.close();
      await sim?.close();
      await db?.dispose();
    });

    it('keeps the first UnionID when user/info reports another, records it, warns, and shows it', async () => {
      const follower = account.follower();
      await follower.follow();
      await eventually(
        'the follower is enriched',
        async () => (await server.api(`/api/followers/${follower.openid}`)).body.unionid === follower.unionid,
      );

      // WeChat reports another UnionID for the same OpenID when the re-follow is enriched.
      sim.misbehave({
        kind: 'other_unionid',
        path: '/cgi-bin/user/info/batchget',
        openid: follower.openid,
        unionid: OTHER,
      });
      // A second apart each: events dedup on FromUserName + CreateTime (INTERFACE.md §3).
      sim.clock.advance(1000);
      await follower.unfollow();
      sim.clock.advance(1000);
      await follower.follow();
      const followers = server.wxoa.store.followers;
      await eventually(
        'the conflict is recorded',
        async () => (await followers.unionIdConflicts(account.appid, follower.openid)).length === 1,
      );

      const { body } = await server.api(`/api/followers/${follower.openid}`);
      expect(body.unionid).to.equal(follower.unionid);
      const [conflict] = await followers.unionIdConflicts(account.appid, follower.openid);
      expect(conflict).to.include({
        appid: account.appid,
        openid: follower.openid,
        keptUnionid: follower.unionid,
        reportedUnionid: OTHER,
        source: 'user/info',
        times: 1,
      });
      const warning = lines.find((l) => /another UnionID/.test(l.msg ?? ''));
      expect(warning, 'a warning is logged').to.include({
        level: 40,
        openid: follower.openid,
        keptUnionid: follower.unionid,
        reportedUnionid: OTHER,
      });
      // The union is still the first UnionID's; the other one names nobody.
      const union = (await server.api(`/api/unions/${follower.unionid}`)).body.identities;
      expect(union.map((i: Record<string, string>) => [i['appid'], i['openid'], i['source']])).to.deep.equal([
        [account.appid, follower.openid, 'follower'],
      ]);

      const browser = new ConsoleClient(server.url);
      await browser.login(ADMIN_TOKEN);
      const page = await browser.get(`/admin/followers/${follower.openid}`);
      expect(page.status).to.equal(200);
      expect(page.markup).to.contain('data-panel="unionid-conflict"');
      expect(page.markup).to.contain(OTHER);
      expect(page.markup).to.contain('data-conflict');
    });

    it('keeps the UnionID a follower has when web sign-in reports another', async () => {
      const follower = account.follower();
      await follower.follow();
      await eventually(
        'the follower is enriched',
        async () => (await server.api(`/api/followers/${follower.openid}`)).body.unionid === follower.unionid,
      );
      sim.misbehave({
        kind: 'other_unionid',
        path: '/sns/oauth2/access_token',
        openid: follower.openid,
        unionid: OTHER_AT_SIGN_IN,
      });
      const start = await get(`${publicUrl}/oauth/authorize?target=/oauth/whoami&scope=snsapi_userinfo`);
      expect(start.status).to.equal(302);
      const page = new URL(start.location);
      page.hash = '';
      page.searchParams.set('sim_openid', follower.openid);
      const wechat = await get(page.toString(), start.setCookie);
      const landed = await get(wechat.location, start.setCookie);
      expect(landed.status).to.equal(302);
      const cookie = [start.setCookie, landed.setCookie].filter(Boolean).join('; ');
      const me = await fetch(`${publicUrl}/oauth/whoami`, { headers: { cookie } });
      expect(await me.json()).to.include({ openid: follower.openid, unionid: follower.unionid });

      const conflicts = await server.wxoa.store.followers.unionIdConflicts(account.appid, follower.openid);
      expect(conflicts.map((c) => [c.source, c.keptUnionid, c.reportedUnionid])).to.deep.equal([
        ['oauth', follower.unionid, OTHER_AT_SIGN_IN],
      ]);
    });
  });
}
