/**
 * Issue 12 / INTERFACE.md §8, end to end over real HTTP: one simulated person follows the account and signs
 * in to the Mini Program, the website and the mobile app of the same Open Platform; wxoa links the four
 * identities by UnionID. Then every refusal of §8, with nothing stored.
 */
import { expect } from 'chai';
import type { SimAccount, SimOpenApp, Simulator } from '../../src/simulator/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import { ConsoleClient } from '../console/console-client.js';
import { Browser } from '../support/hand-browser.js';
import { captureLogs, type LogLine } from '../support/log-capture.js';
import {
  ADMIN_TOKEN,
  e2eDatabase,
  freePort,
  startE2eServer,
  type E2eDatabase,
  type E2eServer,
  type Engine,
} from '../support/server.js';

for (const engine of ['sqlite', 'postgres'] as Engine[]) {
  describe(`e2e: one person across the Open Platform's apps (${engine})`, function () {
    let sim: Simulator;
    let account: SimAccount;
    let mini: SimOpenApp;
    let website: SimOpenApp;
    let mobile: SimOpenApp;
    let unbound: SimOpenApp;
    let db: E2eDatabase;
    let server: E2eServer;
    let publicUrl: string;
    /** Moves the server's clock (token expiry) without sleeping. */
    let offsetMs = 0;
    let logLines: LogLine[];
    /** Every code and token the tests handled: none may reach a log line. */
    const secrets: string[] = [];

    before(async function () {
      db = await e2eDatabase(engine, this);
      sim = await startSimulator();
      account = sim.createAccount({ mode: 'safe' });
      mini = sim.createApp({ type: 'miniprogram', name: 'Shop Mini Program' });
      website = sim.createApp({ type: 'website', name: 'Shop website' });
      mobile = sim.createApp({ type: 'mobile', name: 'Shop app' });
      unbound = sim.createApp({ type: 'miniprogram', bound: false, name: 'Unbound game' });
      const port = await freePort();
      publicUrl = `http://127.0.0.1:${port}`;
      const entry = (a: SimOpenApp) => ({
        type: a.type,
        appid: a.appid,
        appsecret: a.appsecret,
        name: a.name,
      });
      const logs = captureLogs();
      logLines = logs.lines;
      server = await startE2eServer({
        logger: logs.logger,
        sim,
        account,
        databaseUrl: db.url,
        port,
        env: { PUBLIC_URL: publicUrl },
        configFile: { apps: [mini, website, mobile, unbound].map(entry) },
        clock: () => Date.now() + offsetMs,
        console: true,
      });
    });

    after(async () => {
      await server?.close();
      await sim?.close();
      await db?.dispose();
    });

    afterEach(() => {
      offsetMs = 0;
    });

    const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(publicUrl + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      if (typeof body === 'object' && body !== null && 'code' in body) secrets.push(String(body.code));
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const json = (await res.json()) as any;
      if (typeof json.token === 'string') secrets.push(json.token);
      return { status: res.status, body: json, headers: res.headers };
    };
    const me = async (headers: Record<string, string>) => {
      const res = await fetch(`${publicUrl}/auth/me`, { headers });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return { status: res.status, body: (await res.json()) as any };
    };
    const stored = async (unionid: string): Promise<number> => {
      const { status, body } = await server.api(`/api/unions/${unionid}`);
      return status === 404 ? 0 : body.identities.length;
    };

    /** Website QR sign-in in a hand-driven browser: our /oauth/login, the simulator's page, our callback. */
    async function websiteSignIn(browser: Browser, unionid: string, target = '/auth/me'): Promise<string> {
      const start = await browser.get(`${publicUrl}/oauth/login?target=${encodeURIComponent(target)}`);
      expect(start.status, start.body).to.equal(302);
      const page = new URL(start.location!);
      expect(`${page.origin}${page.pathname}`).to.equal(`${sim.url}/connect/qrconnect`);
      expect(page.searchParams.get('appid')).to.equal(website.appid);
      expect(page.searchParams.get('scope')).to.equal('snsapi_login');
      expect(page.searchParams.get('redirect_uri')).to.equal(`${publicUrl}/oauth/callback`);
      expect(page.hash).to.equal('#wechat_redirect');
      page.hash = '';
      page.searchParams.set('sim_unionid', unionid);
      const scanned = await browser.get(page.toString());
      expect(scanned.status, scanned.body).to.equal(302);
      return scanned.location!;
    }

    it('links a follower, a Mini Program, a website and a mobile app sign-in of one person by UnionID', async () => {
      const follower = account.follower();
      await follower.follow();
      await server.wxoa.enrichment.drain();
      const person = { unionid: follower.unionid };

      const signedMini = await post(`/auth/miniprogram/${mini.appid}`, { code: mini.login(person) });
      expect(signedMini.status, JSON.stringify(signedMini.body)).to.equal(200);
      expect(signedMini.body).to.include({
        appid: mini.appid,
        openid: mini.openidOf(person),
        unionid: person.unionid,
        expiresIn: 7200,
        unionidReason: null,
      });
      expect(signedMini.body).to.not.have.property('session_key');
      expect(JSON.stringify(signedMini.body)).to.not.match(/session_?key/i);
      expect(signedMini.headers.get('cache-control')).to.equal('no-store');

      const signedMobile = await post(`/auth/mobile/${mobile.appid}`, { code: mobile.login(person) });
      expect(signedMobile.status).to.equal(200);
      expect(signedMobile.body).to.include({ openid: mobile.openidOf(person), unionid: person.unionid });

      const browser = new Browser();
      const callback = await websiteSignIn(browser, person.unionid);
      const landed = await browser.get(callback);
      expect(landed.status, landed.body).to.equal(302);
      expect(landed.location).to.equal('/auth/me');

      // Who each one is, by bearer token or by the session cookie.
      expect((await me({ authorization: `Bearer ${signedMini.body.token}` })).body).to.deep.equal({
        appid: mini.appid,
        openid: mini.openidOf(person),
        unionid: person.unionid,
        source: 'miniprogram',
      });
      expect((await me({ authorization: `Bearer ${signedMobile.body.token}` })).body.source).to.equal(
        'mobile',
      );
      const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      expect((await me({ cookie })).body).to.deep.equal({
        appid: website.appid,
        openid: website.openidOf(person),
        unionid: person.unionid,
        source: 'website',
      });

      const { status, body } = await server.api(`/api/unions/${person.unionid}`);
      expect(status).to.equal(200);
      expect(body.unionid).to.equal(person.unionid);
      const brief = body.identities.map((i: Record<string, string>) => ({
        appid: i['appid'],
        appType: i['appType'],
        openid: i['openid'],
        source: i['source'],
      }));
      expect(brief).to.have.deep.members([
        { appid: account.appid, appType: 'official_account', openid: follower.openid, source: 'follower' },
        { appid: mini.appid, appType: 'miniprogram', openid: mini.openidOf(person), source: 'miniprogram' },
        { appid: website.appid, appType: 'website', openid: website.openidOf(person), source: 'website' },
        { appid: mobile.appid, appType: 'mobile', openid: mobile.openidOf(person), source: 'mobile' },
      ]);
      for (const i of body.identities) {
        expect(new Date(i.firstSeen).toISOString()).to.equal(i.firstSeen);
        expect(i.lastSeen >= i.firstSeen).to.equal(true);
      }

      // People search finds the whole person by any one OpenID.
      const found = await server.api(`/api/people?q=${mobile.openidOf(person)}`);
      expect(found.status).to.equal(200);
      expect(found.body.people).to.have.length(1);
      expect(found.body.people[0].unionid).to.equal(person.unionid);
      expect(found.body.people[0].identities).to.have.length(4);
    });

    it('shows the person across every app on the follower page and the People page of the console', async () => {
      const follower = account.follower();
      await follower.follow();
      await server.wxoa.enrichment.drain();
      const person = { unionid: follower.unionid };
      await post(`/auth/miniprogram/${mini.appid}`, { code: mini.login(person) });
      await post(`/auth/mobile/${mobile.appid}`, { code: mobile.login(person) });
      const console = new ConsoleClient(server.url);
      await console.login(ADMIN_TOKEN);
      const record = await console.get(`/admin/followers/${follower.openid}`);
      expect(record.status).to.equal(200);
      expect(record.markup).to.match(/data-table="identities"[\s\S]*Mini Program sign-in/);
      expect(record.markup).to.contain(mini.openidOf(person)).and.contain(mobile.openidOf(person));
      expect(record.markup).to.contain('data-app-type="mobile"');

      const found = await console.get(`/admin/people?q=${mini.openidOf(person)}`);
      expect(found.status).to.equal(200);
      expect(found.markup).to.contain(`data-person="${person.unionid}"`);
      expect(found.markup).to.contain(follower.openid).and.contain(mobile.openidOf(person));
      const lonely = sim.createPerson();
      await post(`/auth/miniprogram/${unbound.appid}`, { code: unbound.login(lonely) });
      const why = await console.get(`/admin/people?q=${unbound.openidOf(lonely)}`);
      expect(why.markup).to.contain('data-unionid-reason="app_not_bound"');
      expect((await console.get('/admin/people?q=oNobody')).markup).to.contain('data-empty');
    });

    it('gives an app not bound to the Open Platform unionid null and says why', async () => {
      const person = sim.createPerson();
      const signed = await post(`/auth/miniprogram/${unbound.appid}`, { code: unbound.login(person) });
      expect(signed.status).to.equal(200);
      expect(signed.body).to.include({
        appid: unbound.appid,
        openid: unbound.openidOf(person),
        unionid: null,
      });
      expect(signed.body.unionidReason.code).to.equal('app_not_bound');
      expect(signed.body.unionidReason.message).to.match(/not bound to an Open Platform/);
      const found = await server.api(`/api/people?q=${unbound.openidOf(person)}`);
      expect(found.body.people).to.deep.equal([
        {
          unionid: null,
          identities: [
            {
              ...found.body.people[0].identities[0],
              appid: unbound.appid,
              appType: 'miniprogram',
              openid: unbound.openidOf(person),
              source: 'miniprogram',
              unionid: null,
              unionidReason: signed.body.unionidReason,
            },
          ],
        },
      ]);
      expect((await me({ authorization: `Bearer ${signed.body.token}` })).body.unionid).to.equal(null);
    });

    it('answers every error of §8 with its status, as JSON, storing nothing', async () => {
      const person = sim.createPerson();
      const expectError = async (
        res: { status: number; body: { error?: { code: string } } },
        status: number,
        code?: string,
      ) => {
        expect(res.status, JSON.stringify(res.body)).to.equal(status);
        expect(res.body.error).to.be.an('object');
        if (code) expect(res.body.error?.code).to.equal(code);
      };
      await expectError(
        await post('/auth/miniprogram/wx00000000000000ff', { code: 'x' }),
        404,
        'app_not_found',
      );
      // An app of another type.
      await expectError(await post(`/auth/miniprogram/${mobile.appid}`, { code: 'x' }), 404, 'app_not_found');
      await expectError(await post(`/auth/mobile/${mini.appid}`, { code: 'x' }), 404, 'app_not_found');
      await expectError(await post(`/auth/miniprogram/${mini.appid}`, {}), 400);
      await expectError(await post(`/auth/miniprogram/${mini.appid}`, { code: 42 }), 400);
      await expectError(await post(`/auth/mobile/${mobile.appid}`, { code: '' }), 400);
      await expectError(await post(`/auth/miniprogram/${mini.appid}`, 'not json'), 400);

      // A replayed code: the first works, the second is refused.
      const code = mini.login(person);
      expect((await post(`/auth/miniprogram/${mini.appid}`, { code })).status).to.equal(200);
      await expectError(await post(`/auth/miniprogram/${mini.appid}`, { code }), 400, 'invalid_code');
      await expectError(
        await post(`/auth/miniprogram/${mini.appid}`, { code: 'forged-code' }),
        400,
        'invalid_code',
      );
      const mobileCode = mobile.login(person);
      expect((await post(`/auth/mobile/${mobile.appid}`, { code: mobileCode })).status).to.equal(200);
      await expectError(
        await post(`/auth/mobile/${mobile.appid}`, { code: mobileCode }),
        400,
        'invalid_code',
      );

      // Blocked by WeChat's risk control; WeChat down.
      const blocked = sim.createPerson();
      mini.block(blocked);
      await expectError(
        await post(`/auth/miniprogram/${mini.appid}`, { code: mini.login(blocked) }),
        403,
        'blocked',
      );
      sim.misbehave({ kind: 'http_500', path: '/sns/jscode2session' });
      const down = sim.createPerson();
      await expectError(
        await post(`/auth/miniprogram/${mini.appid}`, { code: mini.login(down) }),
        502,
        'wechat_unavailable',
      );
      expect(await stored(blocked.unionid)).to.equal(0);
      expect(await stored(down.unionid)).to.equal(0);

      // 45011: past 100 sign-ins of one user in a minute.
      const busy = sim.createPerson();
      for (let i = 0; i < 100; i++) {
        const res = await post(`/auth/miniprogram/${mini.appid}`, { code: mini.login(busy) });
        expect(res.status).to.equal(200);
      }
      const limited = await post(`/auth/miniprogram/${mini.appid}`, { code: mini.login(busy) });
      await expectError(limited, 429, 'rate_limited');
      expect(limited.headers.get('retry-after')).to.equal('60');
      expect(await stored(busy.unionid)).to.equal(1);
    });

    it('refuses a forged, expired or other app’s token, and no token at all', async () => {
      const person = sim.createPerson();
      const mp = (await post(`/auth/miniprogram/${mini.appid}`, { code: mini.login(person) })).body
        .token as string;
      const mo = (await post(`/auth/mobile/${mobile.appid}`, { code: mobile.login(person) })).body
        .token as string;
      expect((await me({ authorization: `Bearer ${mp}` })).status).to.equal(200);
      expect((await me({})).status).to.equal(401);
      expect((await me({ authorization: 'Bearer nonsense' })).body.error.code).to.equal('unauthenticated');
      const [appid, body, mac] = mp.split('.') as [string, string, string];
      const forgedBody = Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), o: 'oSomeoneElse' }),
      ).toString('base64url');
      expect((await me({ authorization: `Bearer ${appid}.${forgedBody}.${mac}` })).status).to.equal(401);
      // The mobile app's token passed off as the Mini Program's: signed with another app's key.
      const [, moBody, moMac] = mo.split('.') as [string, string, string];
      expect((await me({ authorization: `Bearer ${mini.appid}.${moBody}.${moMac}` })).status).to.equal(401);
      offsetMs = 2 * 3_600_000;
      expect((await me({ authorization: `Bearer ${mp}` })).status).to.equal(401);
      offsetMs = 2 * 3_600_000 - 5_000;
      expect((await me({ authorization: `Bearer ${mp}` })).status).to.equal(200);
    });

    it('refuses a website sign-in to a target outside the server, and a replayed callback', async () => {
      const browser = new Browser();
      for (const target of ['https://evil.example/', '//evil.example/x', '/\\evil.example']) {
        const res = await browser.get(`${publicUrl}/oauth/login?target=${encodeURIComponent(target)}`);
        expect(res.status, target).to.equal(400);
        expect(res.location).to.equal(null);
      }
      const person = sim.createPerson();
      const callback = await websiteSignIn(browser, person.unionid, '/account');
      expect((await browser.get(callback)).location).to.equal('/account');
      expect((await browser.get(callback)).status).to.equal(400);
      // The callback in another browser: the state is bound to the first one (and spent anyway).
      const other = new Browser();
      const second = await websiteSignIn(browser, person.unionid, '/account');
      expect((await other.get(second)).status).to.equal(400);
      expect(await stored(person.unionid)).to.equal(1);
    });

    it('writes no session_key, AppSecret, code or token to the log', () => {
      expect(logLines.length).to.be.greaterThan(0);
      const text = logLines.map((l) => l.raw).join('\n');
      expect(text).to.not.match(/session_?key/i);
      for (const secret of [mini, website, mobile, unbound].map((a) => a.appsecret)) {
        expect(text).to.not.contain(secret);
      }
      for (const secret of secrets.filter((s) => s.length >= 16)) expect(text).to.not.contain(secret);
    });
  });
}
