/**
 * Issue 9, defect 8: the real JSON log lines of a server on representative paths (webhook pushes, a
 * refused push, follower enrichment, WeChat API failures, OAuth, the admin API). No line may carry the
 * same key twice: pino writes a child's bindings and a call's fields side by side, and JSON.parse would
 * silently keep only the last.
 */
import { expect } from 'chai';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { captureLogs, duplicateKeys, type LogLine } from '../support/log-capture.js';
import { e2eDatabase, eventually, startE2eServer, type E2eDatabase, type E2eServer } from '../support/server.js';

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
});
