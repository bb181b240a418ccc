import { expect } from 'chai';
import { createServer } from 'node:net';
import { pino } from 'pino';
import {
  WechatApi,
  WechatApiError,
  WechatHttpError,
  type WechatApiOptions,
} from '../../src/wechat-api/index.js';
import { MemoryTokenStore } from '../../src/wechat-api/memory-token-store.js';
import { startFakeWechat, type FakeWechat } from './fake-wechat.js';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );

describe('wechat-api transport: retries, timeouts, errors', () => {
  let fake: FakeWechat;
  beforeEach(async () => {
    fake = await startFakeWechat();
  });
  afterEach(() => fake.close());

  const api = (extra: Partial<WechatApiOptions> = {}): WechatApi =>
    new WechatApi({ appid: 'wxapp', appsecret: 'the-app-secret', apiBase: fake.url, backoffMs: 1, ...extra });

  /** Answers `errcode -1` `failures` times, then succeeds. */
  const flaky = (failures: number, ok: unknown = { tags: [] }) => {
    let left = failures;
    return () => (left-- > 0 ? { json: { errcode: -1, errmsg: 'system error rid: 1' } } : { json: ok });
  };

  it('retries a -1 system error with back-off until WeChat answers', async () => {
    fake.route('GET /cgi-bin/tags/get', flaky(2));
    const started = Date.now();
    expect(await api({ backoffMs: 40 }).getTags()).to.deep.equal([]);
    // two waits: at least half of 40 ms and half of 80 ms (jitter only adds)
    expect(Date.now() - started).to.be.at.least(55);
    expect(fake.callsTo('/cgi-bin/tags/get')).to.have.length(3);
  });

  it('gives up on -1 after the configured retries with a WechatApiError', async () => {
    fake.route('GET /cgi-bin/tags/get', flaky(100));
    const err = await rejection(api({ retries: 2 }).getTags());
    expect(err).to.be.instanceOf(WechatApiError);
    expect((err as WechatApiError).errcode).to.equal(-1);
    expect(fake.callsTo('/cgi-bin/tags/get')).to.have.length(3);
  });

  it('does not retry other WeChat errors, and attaches the hint and the rid', async () => {
    fake.route('GET /cgi-bin/tags/get', () => ({
      json: { errcode: 45009, errmsg: 'reach max api daily quota limit rid: 64f0-abc' },
    }));
    const err = (await rejection(api().getTags())) as WechatApiError;
    expect(err.name).to.equal('WechatApiError');
    expect(err.errcode).to.equal(45009);
    expect(err.errmsg).to.equal('reach max api daily quota limit rid: 64f0-abc');
    expect(err.endpoint).to.equal('/cgi-bin/tags/get');
    expect(err.hint).to.match(/daily/);
    expect(err.message)
      .to.include('45009')
      .and.to.include('rid: 64f0-abc')
      .and.to.include(err.hint ?? '');
    expect(fake.callsTo('/cgi-bin/tags/get')).to.have.length(1);
  });

  it('retries an HTTP 5xx and then succeeds', async () => {
    let left = 1;
    fake.route('GET /cgi-bin/tags/get', () =>
      left-- > 0 ? { status: 502, raw: 'bad gateway' } : { json: { tags: [] } },
    );
    expect(await api().getTags()).to.deep.equal([]);
    expect(fake.callsTo('/cgi-bin/tags/get')).to.have.length(2);
  });

  it('fails on an HTTP 4xx at once with WechatHttpError kind "status"', async () => {
    fake.route('GET /cgi-bin/tags/get', () => ({ status: 403, raw: 'forbidden' }));
    const err = (await rejection(api().getTags())) as WechatHttpError;
    expect(err).to.be.instanceOf(WechatHttpError);
    expect(err.kind).to.equal('status');
    expect(err.status).to.equal(403);
    expect(fake.callsTo('/cgi-bin/tags/get')).to.have.length(1);
  });

  it('fails on a 200 answer that is not JSON without retrying', async () => {
    fake.route('GET /cgi-bin/tags/get', () => ({ raw: '<html>captive portal</html>' }));
    const err = (await rejection(api().getTags())) as WechatHttpError;
    expect(err.kind).to.equal('status');
    expect(err.message).to.match(/not JSON/);
    expect(fake.callsTo('/cgi-bin/tags/get')).to.have.length(1);
  });

  it('times out every attempt and surfaces WechatHttpError kind "timeout" after the retries', async () => {
    // The fake answers only after the client gave up; the token comes first, without the short timeout.
    fake.route('GET /cgi-bin/tags/get', () => ({ delayMs: 60_000, json: { tags: [] } }));
    const tokenStore = new MemoryTokenStore();
    await api({ tokenStore }).getAccessToken();
    const client = api({ tokenStore, timeoutMs: 60, retries: 2 });
    const err = (await rejection(client.getTags())) as WechatHttpError;
    expect(err).to.be.instanceOf(WechatHttpError);
    expect(err.kind).to.equal('timeout');
    expect(err.endpoint).to.equal('/cgi-bin/tags/get');
    expect(fake.callsTo('/cgi-bin/tags/get')).to.have.length(3);
  });

  it('does not resend a customer-service message after a timeout, which may have delivered it', async () => {
    fake.route('POST /cgi-bin/message/custom/send', () => ({ delayMs: 60_000 }));
    const tokenStore = new MemoryTokenStore();
    await api({ tokenStore }).getAccessToken();
    const client = api({ tokenStore, timeoutMs: 60 });
    const err = (await rejection(
      client.sendCustomMessage({ touser: 'o1', type: 'text', content: 'hi' }),
    )) as WechatHttpError;
    expect(err.kind).to.equal('timeout');
    expect(fake.callsTo('/cgi-bin/message/custom/send')).to.have.length(1);
  });

  it('does resend a customer-service message after -1', async () => {
    fake.route('POST /cgi-bin/message/custom/send', flaky(1, { errcode: 0, errmsg: 'ok' }));
    await api().sendCustomMessage({ touser: 'o1', type: 'text', content: 'hi' });
    expect(fake.callsTo('/cgi-bin/message/custom/send')).to.have.length(2);
  });

  it('retries a refused connection, even for a message, and then reports kind "network"', async () => {
    const port = await closedPort();
    let apiAttempts = 0;
    const routed: typeof fetch = (input, init) => {
      const url = new URL(String(input));
      if (url.pathname === '/cgi-bin/stable_token')
        return fetch(`${fake.url}${url.pathname}${url.search}`, init);
      apiAttempts += 1;
      return fetch(`http://127.0.0.1:${port}${url.pathname}${url.search}`, init);
    };
    const err = (await rejection(
      api({ fetch: routed, retries: 2 }).sendCustomMessage({ touser: 'o1', type: 'text', content: 'hi' }),
    )) as WechatHttpError;
    expect(err).to.be.instanceOf(WechatHttpError);
    expect(err.kind).to.equal('network');
    expect(err.message).to.include('ECONNREFUSED');
    expect(apiAttempts).to.equal(3);
  });

  it('never puts the AppSecret or an access_token in errors or log lines', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    const errors: unknown[] = [];
    const client = api({ logger, timeoutMs: 60, retries: 1 });

    // WeChat echoing secrets in errmsg, -1 retries, a renewal, a timeout, and a fetch error quoting the URL
    fake.route('GET /cgi-bin/tags/get', (call) => ({
      json: { errcode: 45011, errmsg: `quota for ${call.query['access_token']} the-app-secret rid: 7` },
    }));
    errors.push(await rejection(client.getTags()));
    fake.route('GET /cgi-bin/menu/get', flaky(5));
    errors.push(await rejection(client.getMenu()));
    fake.validTokens.clear();
    fake.route('POST /cgi-bin/user/info/updateremark', () => ({ delayMs: 500 }));
    errors.push(await rejection(client.updateRemark('o1', 'vip')));
    const leaky: typeof fetch = (input) => Promise.reject(new TypeError(`fetch failed: ${String(input)}`));
    const leakyClient = api({ logger, fetch: leaky, retries: 1, tokenEndpoint: 'token' });
    errors.push(await rejection(leakyClient.getTags()));
    fake.route('GET /sns/userinfo', (call) => ({
      json: { errcode: 48001, errmsg: `api unauthorized for ${call.query['access_token']}` },
    }));
    errors.push(await rejection(client.oauthUserInfo('user-oauth-token-123', 'o1')));
    fake.route('GET /sns/oauth2/access_token', (call) => ({
      json: { errcode: 40163, errmsg: `code ${call.query['code']} been used` },
    }));
    errors.push(await rejection(client.oauthExchangeCode('one-time-code-456')));

    const secrets = ['the-app-secret', 'user-oauth-token-123', 'one-time-code-456', ...fake.validTokens];
    for (const c of fake.calls)
      if (c.query['access_token'] !== undefined) secrets.push(c.query['access_token']);
    expect(secrets.length).to.be.greaterThan(4);
    expect(lines.length).to.be.greaterThan(5);
    const texts = [
      ...lines,
      ...errors.flatMap((e) => {
        const err = e as Error & { endpoint?: string; errmsg?: string; cause?: unknown };
        return [
          err.message,
          err.endpoint ?? '',
          err.errmsg ?? '',
          String((err.cause as Error | undefined)?.message),
        ];
      }),
    ];
    expect((errors[3] as Error).message).to.not.include('grant_type');
    for (const text of texts) {
      for (const secret of secrets) expect(text).to.not.include(secret);
    }
    expect(errors.map((e) => (e as { name: string }).name)).to.deep.equal([
      'WechatApiError',
      'WechatApiError',
      'WechatHttpError',
      'WechatHttpError',
      'WechatApiError',
      'WechatApiError',
    ]);
  });
});
