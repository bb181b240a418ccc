/**
 * Issue 11, Operations (INTERFACE.md §11), end to end on the real server and the simulator: /metrics behind
 * the admin token with the series of §11, /healthz/live and /healthz/ready against a database that goes
 * away, and the JSON logs of a run full of API errors and bad pushes: the push identity on every line of a
 * push's handling, and no secret of the configuration anywhere.
 */
import { expect } from 'chai';
import pg from 'pg';
import { Composer } from '../../src/bot/composer.js';
import type { Context } from '../../src/bot/context.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { captureLogs, type LogLine } from '../support/log-capture.js';
import { testPostgresUrl } from '../support/postgres.js';
import { postPush, signPush, textXml } from '../support/push.js';
import {
  ADMIN_TOKEN,
  e2eDatabase,
  eventually,
  freePort,
  startE2eServer,
  type E2eDatabase,
  type E2eServer,
} from '../support/server.js';
import { Browser } from '../support/hand-browser.js';

const RULES = {
  subscribe: { type: 'text', content: 'Welcome!' },
  keywords: [{ match: 'exact', pattern: 'hello', reply: { type: 'text', content: 'Hi' } }],
};

/** The value of one sample of the Prometheus text `text`, or undefined when it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const [, k, v] of (match[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) found[k!] = v!;
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

async function scrape(server: E2eServer, path = '/metrics', token = ADMIN_TOKEN) {
  const res = await fetch(server.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

describe('e2e: operations', function () {
  let sim: Simulator;
  let account: SimAccount;
  let db: E2eDatabase;
  let server: E2eServer;

  before(async function () {
    db = await e2eDatabase('sqlite', this);
    sim = await startSimulator();
    account = sim.createAccount({ mode: 'safe' });
    const handlers = new Composer<Context>();
    handlers.hears('boom', () => {
      throw new Error('handler bug');
    });
    server = await startE2eServer({
      sim,
      account,
      databaseUrl: db.url,
      configFile: { replies: RULES },
      handlers,
      enrichment: { debounceMs: 5, retryBaseMs: 5, retryMaxMs: 20, pollMs: 20 },
    });
  });

  after(async () => {
    await server?.close();
    await sim?.close();
    await db?.dispose();
  });

  describe('/metrics', () => {
    it('needs the admin token, however the path is spelled', async () => {
      for (const path of [
        '/metrics',
        '/METRICS',
        '/Metrics/',
        '/%6detrics',
        '//metrics',
        '/api/../metrics',
      ]) {
        const res = await scrape(server, path, '');
        expect(res.status, path).to.equal(401);
        expect(res.text, path).to.not.include('wxoa_');
      }
      // A wrong token too (once: repeated ones meet the brake's 429).
      expect((await scrape(server, '/METRICS', 'wrong-token')).status).to.equal(401);
      const res = await scrape(server);
      expect(res.status).to.equal(200);
      expect(res.type).to.match(/^text\/plain; version=0\.0\.4/);
    });

    it('counts pushes by type and outcome, retried deliveries, refusals, API calls and token refreshes', async () => {
      const appid = account.appid;
      const follower = account.follower();
      expect((await follower.follow()).reply?.['Content']).to.equal('Welcome!');
      expect((await follower.sendText('hello')).reply?.['Content']).to.equal('Hi');
      expect((await follower.sendText('nothing matches')).reply).to.equal(null);
      expect((await follower.sendText('boom')).reply).to.equal(null);
      // WeChat delivers the same push again: answered from the dedup record.
      const push = signPush(account, textXml({ from: follower.openid, content: 'hello' }), { mode: 'safe' });
      expect((await postPush(`${server.url}/wechat`, push)).status).to.equal(200);
      expect((await postPush(`${server.url}/wechat`, push)).status).to.equal(200);
      expect((await account.push('<xml></xml>', { tamper: true })).status).to.equal(401);
      await eventually('the follower is enriched', async () => {
        const { body } = await server.api(`/api/followers/${follower.openid}`);
        return typeof body?.enrichedAt === 'string';
      });
      // A call WeChat refuses: counted under its errcode.
      sim.misbehave({ path: '/cgi-bin/qrcode/create', kind: 'invalid_credential', times: 3 });
      expect((await server.api('/api/qrcodes', { method: 'POST', body: '{"scene":"x"}' })).status).to.be.gte(
        400,
      );

      const { text } = await scrape(server);
      const pushes = (labels: Record<string, string>) =>
        sample(text, 'wxoa_pushes_total', { appid, ...labels });
      expect(pushes({ msg_type: 'event', event: 'subscribe', outcome: 'reply' })).to.equal(1);
      expect(pushes({ msg_type: 'text', event: '', outcome: 'reply' })).to.equal(2);
      expect(pushes({ msg_type: 'text', event: '', outcome: 'none' })).to.equal(1);
      expect(pushes({ msg_type: 'text', event: '', outcome: 'error' })).to.equal(1);
      expect(
        sample(text, 'wxoa_push_retries_total', { appid, msg_type: 'text', answered: 'record' }),
      ).to.equal(1);
      expect(sample(text, 'wxoa_webhook_refused_total', { appid, status: '401' })).to.equal(1);
      expect(sample(text, 'wxoa_handler_duration_seconds_count', { appid })).to.equal(5);
      expect(sample(text, 'wxoa_push_duration_seconds_count', { appid })).to.equal(6);
      expect(sample(text, 'wxoa_push_duration_seconds_bucket', { appid, le: '+Inf' })).to.equal(6);
      const calls = (endpoint: string, errcode: string) =>
        sample(text, 'wxoa_wechat_api_calls_total', { appid, endpoint, errcode });
      expect(calls('/cgi-bin/user/info/batchget', '0')).to.be.gte(1);
      expect(calls('/cgi-bin/qrcode/create', '40001')).to.be.gte(1);
      expect(calls('/cgi-bin/stable_token', '0')).to.be.gte(1);
      expect(sample(text, 'wxoa_wechat_token_refreshes_total', { appid, outcome: 'ok' })).to.be.gte(1);
      expect(sample(text, 'wxoa_enrichment_pending', { appid })).to.equal(0);
      expect(sample(text, 'process_cpu_seconds_total')).to.be.a('number');
    });

    it('keeps a registry per server: a second server in the process counts only its own pushes', async () => {
      const otherDb = await e2eDatabase('sqlite', this.ctx!);
      const other = sim.createAccount({ mode: 'plain' });
      const second = await startE2eServer({ sim, account: other, databaseUrl: otherDb.url });
      try {
        await other.follower().follow();
        const mine = await scrape(second);
        expect(mine.status).to.equal(200);
        const subscribe = { msg_type: 'event', event: 'subscribe', outcome: 'none' };
        expect(sample(mine.text, 'wxoa_pushes_total', { appid: other.appid, ...subscribe })).to.equal(1);
        expect(sample(mine.text, 'wxoa_pushes_total', { appid: account.appid })).to.equal(undefined);
        const first = await scrape(server);
        expect(sample(first.text, 'wxoa_pushes_total', { appid: other.appid })).to.equal(undefined);
      } finally {
        await second.close();
        await otherDb.dispose();
      }
    });
  });
});

describe('e2e: logs of a run full of API errors and bad pushes', function () {
  let sim: Simulator;
  let account: SimAccount;
  let db: E2eDatabase;
  let server: E2eServer;
  let lines: LogLine[];
  let publicUrl: string;
  /** Bodies of the error answers, scanned for secrets with the logs. */
  const errorBodies: string[] = [];
  const openids: string[] = [];

  before(async function () {
    db = await e2eDatabase('sqlite', this);
    sim = await startSimulator();
    account = sim.createAccount({ mode: 'safe' });
    const captured = captureLogs('trace');
    lines = captured.lines;
    const handlers = new Composer<Context>();
    handlers.hears('note', (ctx) => {
      ctx.log.info({ length: 4 }, 'handler noted a push');
      ctx.reply('noted');
    });
    handlers.hears('boom', () => {
      throw new Error('handler bug');
    });
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    server = await startE2eServer({
      sim,
      account,
      databaseUrl: db.url,
      port,
      env: { PUBLIC_URL: publicUrl },
      configFile: { replies: RULES },
      handlers,
      logger: captured.logger,
      enrichment: { debounceMs: 5, retryBaseMs: 5, retryMaxMs: 20, pollMs: 20 },
    });

    // Pushes, good and failing in their handlers.
    const follower = account.follower();
    openids.push(follower.openid);
    await follower.follow();
    await follower.sendText('note');
    await follower.sendText('boom');
    await follower.sendText('hello');
    // Bad pushes: a forged signature, a stale one, a body encrypted for another AppID, garbage, too large,
    // an unknown account.
    const refuse = async (push: ReturnType<typeof signPush>, path = '/wechat') => {
      const res = await postPush(`${server.url}${path}`, push);
      expect(res.status, res.body).to.be.gte(400);
      errorBodies.push(res.body);
    };
    const xml = textXml({ from: follower.openid, content: 'hi' });
    await refuse(signPush(account, xml, { mode: 'safe', tamper: true }));
    await refuse(signPush(account, xml, { mode: 'safe', timestamp: 1_000_000 }));
    await refuse(signPush(account, xml, { mode: 'safe', encryptAppid: 'wx0000000000000000' }));
    await refuse(signPush(account, '<xml><Encrypt>not base64!</Encrypt></xml>'));
    await refuse(signPush(account, `<xml>${'x'.repeat(1024 * 1024 + 1)}</xml>`));
    await refuse(signPush(account, xml), '/wechat/wxffffffffffffffff');
    // WeChat API errors: retried, deferred, refused.
    sim.misbehave({ path: '/cgi-bin/user/info/batchget', kind: 'system_error', times: 4 });
    sim.misbehave({ path: '/cgi-bin/user/info/batchget', kind: 'http_500', times: 2 });
    const second = account.follower();
    openids.push(second.openid);
    await second.follow();
    await eventually('the second follower is enriched', async () => {
      const { body } = await server.api(`/api/followers/${second.openid}`);
      return typeof body?.enrichedAt === 'string';
    });
    sim.misbehave({ path: '/cgi-bin/qrcode/create', kind: 'invalid_credential', times: 3 });
    const qr = await server.api('/api/qrcodes', { method: 'POST', body: '{"scene":"x"}' });
    expect(qr.status).to.be.gte(400);
    errorBodies.push(JSON.stringify(qr.body));
    // Wrong admin tokens.
    const unauthorised = await fetch(`${server.url}/api/followers`, {
      headers: { authorization: 'Bearer nope' },
    });
    errorBodies.push(await unauthorised.text());
    // OAuth: one round trip that works, one whose code WeChat refuses.
    for (const refused of [false, true]) {
      const browser = new Browser();
      const start = await browser.get(
        `${publicUrl}/oauth/authorize?target=/oauth/whoami&scope=snsapi_userinfo`,
      );
      const page = new URL(start.location!);
      page.hash = '';
      page.searchParams.set('sim_openid', follower.openid);
      const callback = (await browser.get(page.toString())).location!;
      if (refused) sim.misbehave({ path: '/sns/oauth2/access_token', kind: 'invalid_credential' });
      const landed = await browser.get(callback);
      if (refused) errorBodies.push(landed.body);
      else expect(landed.status, landed.body).to.equal(302);
    }
    // The conversation log's table goes away under the running server: recording fails on every push.
    const { default: Database } = await import('better-sqlite3');
    const raw = new Database(db.url.slice('sqlite:'.length));
    raw.exec('DROP TABLE messages');
    raw.close();
    // Not recorded, not handled: answered with an error so that WeChat delivers it again (INTERFACE §3).
    const unrecorded = await follower.sendText('note');
    expect(unrecorded.status).to.equal(503);
    expect(unrecorded.reply).to.equal(null);
    await server.wxoa.webhook.webhook.drain();
  });

  after(async () => {
    await server?.close();
    await sim?.close();
    await db?.dispose();
  });

  it("carry the push identity (appid, openid, type, dedup key) on every line of a push's handling", () => {
    const messages = lines.map((l) => l.msg);
    expect(messages).to.include.members([
      'handler noted a push',
      'handler threw; answered success',
      'could not store the push; answered with an error so that WeChat delivers it again',
    ]);
    // A line of a push's handling names its follower; enrichment and API calls run apart from any push.
    const pushLines = lines.filter(
      (l) =>
        openids.includes(l['openid'] as string) &&
        l['module'] !== 'enrichment' &&
        l['module'] !== 'wechat-api',
    );
    const incomplete = pushLines.filter(
      (l) =>
        typeof l['appid'] !== 'string' ||
        typeof l['msgType'] !== 'string' ||
        typeof l['dedupKey'] !== 'string' ||
        (l['msgType'] === 'event' && typeof l['event'] !== 'string'),
    );
    expect(incomplete.map((l) => l.raw)).to.deep.equal([]);
  });

  it('hold no secret of the configuration, no access token, no OAuth code, in any line or error body', () => {
    const secrets = new Set<string>([account.appsecret, account.token, account.encodingAesKey, ADMIN_TOKEN]);
    for (const call of sim.calls) {
      for (const name of ['access_token', 'code', 'refresh_token', 'secret']) {
        const value = call.query[name];
        if (value) secrets.add(value);
      }
      const body = call.body as Record<string, unknown> | null;
      if (typeof body?.['secret'] === 'string') secrets.add(body['secret']);
    }
    const kinds = sim.calls.map((c) => c.path);
    expect(kinds, 'tokens and codes were issued and used').to.include.members([
      '/cgi-bin/stable_token',
      '/sns/oauth2/access_token',
      '/sns/userinfo',
    ]);
    expect(secrets.size).to.be.gte(8);
    const texts = [...lines.map((l) => l.raw), ...errorBodies];
    const leaks = [...secrets].flatMap((secret) =>
      texts
        .filter((t) => t.includes(secret))
        .map((t) => ({ secret: secret.slice(0, 4), line: t.slice(0, 200) })),
    );
    expect(leaks).to.deep.equal([]);
  });
});

describe('e2e: /healthz/live and /healthz/ready when PostgreSQL loses the database', function () {
  let sim: Simulator;
  let account: SimAccount;
  let db: E2eDatabase;
  let server: E2eServer;

  before(async function () {
    db = await e2eDatabase('postgres', this);
    sim = await startSimulator();
    account = sim.createAccount({ mode: 'safe' });
    server = await startE2eServer({ sim, account, databaseUrl: db.url });
  });

  after(async () => {
    await server?.close();
    await sim?.close();
    await db?.dispose();
  });

  async function health(path: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(server.url + path);
    return { status: res.status, body: await res.json() };
  }

  it('stays live while the database is gone, and is not ready until it is back', async () => {
    expect(await health('/healthz/live')).to.deep.equal({ status: 200, body: { status: 'ok' } });
    expect(await health('/healthz/ready')).to.deep.equal({ status: 200, body: { status: 'ok' } });
    expect((await account.follower().follow()).status).to.equal(200);

    // DROP DATABASE … WITH (FORCE): the server's connections are cut and no new one can be made.
    await db.dispose();
    expect(await health('/healthz/ready')).to.deep.equal({ status: 503, body: { status: 'unavailable' } });
    expect(await health('/healthz')).to.deep.equal({ status: 503, body: { status: 'unavailable' } });
    expect(await health('/healthz/live')).to.deep.equal({ status: 200, body: { status: 'ok' } });

    // The database is back (empty, but reachable): ready again, on new connections.
    const name = new URL(db.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: await testPostgresUrl() });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    expect(await health('/healthz/ready')).to.deep.equal({ status: 200, body: { status: 'ok' } });
  });
});
