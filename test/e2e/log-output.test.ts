/**
 * Issue 9, defect 8: the real JSON log lines of a server on representative paths (webhook pushes, a
 * refused push, follower enrichment, WeChat API failures, OAuth, the admin API). No line may carry the
 * same key twice: pino writes a child's bindings and a call's fields side by side, and JSON.parse would
 * silently keep only the last.
 */
import { connect } from 'node:net';
import { expect } from 'chai';
import { mountConsole } from '../../src/http/console/index.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { captureLogs, duplicateKeys, LEVEL, type LogLine } from '../support/log-capture.js';
import { postPush, signPush, textXml } from '../support/push.js';
import {
  ADMIN_TOKEN,
  e2eDatabase,
  eventually,
  startE2eServer,
  type E2eDatabase,
  type E2eServer,
} from '../support/server.js';

/**
 * Sends a request's head and part of its body over a raw socket, then hangs up: a client that disconnects
 * mid-body.
 */
async function hangUpMidBody(url: string, path: string, headers: Record<string, string>): Promise<void> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const head = Object.entries({ host: `${hostname}:${port}`, 'content-length': '4096', ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  await new Promise<void>((resolve) =>
    socket.write(`POST ${path} HTTP/1.1\r\n${head}\r\n<xml><a>`, () => resolve()),
  );
  socket.destroy();
}

describe('e2e: log output', function () {
  let sim: Simulator;
  let account: SimAccount;
  let db: E2eDatabase;
  let server: E2eServer;
  let lines: LogLine[];

  before(async function () {
    db = await e2eDatabase('sqlite', this);
    sim = await startSimulator();
    account = sim.createAccount({ mode: 'safe' });
    const captured = captureLogs('trace');
    lines = captured.lines;
    server = await startE2eServer({
      sim,
      account,
      databaseUrl: db.url,
      logger: captured.logger,
      enrichment: { debounceMs: 5, retryBaseMs: 5, retryMaxMs: 20, pollMs: 20 },
      extend: (w) => mountConsole(w, { sandbox: null }),
    });
  });

  after(async () => {
    await server?.close();
    await sim?.close();
    await db?.dispose();
  });

  it('finds a repeated key that JSON.parse hides (the scan itself can fail)', () => {
    expect(duplicateKeys('{"appid":"a","module":"x","appid":"a"}')).to.deep.equal(['appid']);
    expect(duplicateKeys('{"a":{"b":1,"b":2},"c":[{"d":"}","d":0}]}')).to.deep.equal(['a.b', 'c[0].d']);
    expect(duplicateKeys('{"a":"x\\"y","b":[1,2,{}],"c":{}}')).to.deep.equal([]);
  });

  it('writes no JSON line with a duplicate key on pushes, enrichment, API failures, OAuth and the admin API', async () => {
    // A follow: capture, enrichment (access_token, user/info) through the real API client.
    const first = account.follower();
    expect((await first.follow()).status).to.equal(200);
    await eventually('the first follower is enriched', async () => {
      const { body } = await server.api(`/api/followers/${first.openid}`);
      return typeof body?.enrichedAt === 'string';
    });
    // A WeChat API failure during enrichment: retried, then deferred and retried again.
    sim.misbehave({ path: '/cgi-bin/user/info', kind: 'system_error', times: 4 });
    sim.misbehave({ path: '/cgi-bin/user/info', kind: 'http_500', times: 2 });
    const second = account.follower();
    await second.follow();
    await second.sendText('hello');
    await eventually('the second follower is enriched', async () => {
      const { body } = await server.api(`/api/followers/${second.openid}`);
      return typeof body?.enrichedAt === 'string';
    });
    // A WeChat API failure under the admin API, and a refused push.
    sim.misbehave({ path: '/cgi-bin/qrcode/create', kind: 'invalid_credential', times: 3 });
    const qr = await server.api('/api/qrcodes', { method: 'POST', body: JSON.stringify({ scene: 'x' }) });
    expect(qr.status).to.be.greaterThanOrEqual(400);
    expect((await account.push('<xml></xml>', { tamper: true })).status).to.equal(401);
    // OAuth: a callback with a state that was never issued.
    await fetch(`${server.url}/oauth/callback?state=nope&code=abc`);

    const messages = lines.map((l) => l.msg);
    expect(messages, 'the paths above were logged').to.include.members([
      'WeChat access_token refreshed',
      'WeChat API error',
      'webhook request refused',
      'OAuth callback with an unusable state',
    ]);
    const repeated = lines
      .map((l) => ({ keys: duplicateKeys(l.raw), line: l.raw }))
      .filter((r) => r.keys.length > 0);
    expect(repeated).to.deep.equal([]);
  });

  describe('a client that hangs up mid-body', () => {
    /** Waits for the disconnect's line on `path`, then checks that nothing louder than debug was written. */
    async function expectQuietDisconnect(from: number, path: string): Promise<void> {
      let gone: LogLine | undefined;
      await eventually(`the disconnect on ${path} is logged`, () => {
        gone = lines.slice(from).find((l) => l.path === path);
        return gone !== undefined;
      });
      expect(gone!.level, gone!.raw).to.equal(LEVEL.debug);
      expect(gone!.msg).to.equal('client went away before the answer');
      expect(gone!.raw, 'no error object, no stack').to.not.match(/"err"|"stack"/);
      const loud = lines.slice(from).filter((l) => l.level >= LEVEL.warn);
      expect(loud.map((l) => l.raw)).to.deep.equal([]);
    }

    it('on the webhook: one debug line, no error, no stack, no 500', async () => {
      const from = lines.length;
      const { search } = signPush(account, textXml({ from: 'oGone', content: 'hi' }));
      await hangUpMidBody(server.url, `/wechat${search}`, { 'content-type': 'text/xml' });
      await expectQuietDisconnect(from, '/wechat');
      expect(lines.slice(from).some((l) => l.status === 500)).to.equal(false);
    });

    it('on the admin API: one debug line', async () => {
      const from = lines.length;
      await hangUpMidBody(server.url, '/api/qrcodes', {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        'content-type': 'application/json',
      });
      await expectQuietDisconnect(from, '/api/qrcodes');
    });

    it('on the console: one debug line', async () => {
      const from = lines.length;
      await hangUpMidBody(server.url, '/admin/login', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      await expectQuietDisconnect(from, '/admin/login');
    });
  });

  describe('a refused push says which setting to check, never its value', () => {
    async function refusal(push: ReturnType<typeof signPush>): Promise<LogLine> {
      const from = lines.length;
      const answer = await postPush(`${server.url}/wechat`, push);
      expect(answer.status).to.be.oneOf([400, 401]);
      const line = lines.slice(from).find((l) => l.msg === 'webhook request refused');
      expect(line, 'a refusal line').to.not.equal(undefined);
      expect(line!.level).to.equal(LEVEL.warn);
      expect(line!.raw).to.not.include(account.token);
      expect(line!.raw).to.not.include(account.encodingAesKey);
      return line!;
    }
    const xml = (): string => textXml({ from: 'oHint', content: 'hi' });

    it('a bad signature: check WECHAT_TOKEN', async () => {
      const line = await refusal(signPush(account, xml(), { tamper: true }));
      expect(line.hint).to.equal(
        'signature mismatch: check that WECHAT_TOKEN equals the Token in the WeChat console',
      );
    });

    it('a bad msg_signature (safe mode): check WECHAT_TOKEN, which signs the ciphertext too', async () => {
      const line = await refusal(signPush(account, xml(), { mode: 'safe', tamper: true }));
      expect(line.hint).to.match(/WECHAT_TOKEN/);
    });

    it('a ciphertext that does not decrypt with our key: check WECHAT_ENCODING_AES_KEY', async () => {
      const otherKey = 'B'.repeat(43);
      const line = await refusal(signPush({ ...account, encodingAesKey: otherKey }, xml(), { mode: 'safe' }));
      expect(line.hint).to.match(/WECHAT_ENCODING_AES_KEY equals the EncodingAESKey in the WeChat console/);
    });

    it('a push encrypted for another AppID: names the AppID expected', async () => {
      const line = await refusal(
        signPush(account, xml(), { mode: 'safe', encryptAppid: 'wx0000000000000000' }),
      );
      expect(line.hint).to.include(account.appid);
      expect(line.hint).to.include('wx0000000000000000');
    });
  });
});
