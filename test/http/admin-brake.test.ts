import { expect } from 'chai';
import { encodeSession } from '../../src/oauth/session-token.js';
import { ConsoleClient } from '../console/console-client.js';
import { ADMIN_TOKEN, startConsoleServer, type ConsoleServer } from '../console/console-server.js';

/**
 * Issue 9, defect 6: wrong admin tokens from one client, on the API and the login form together, are slowed
 * down (429 with Retry-After) without locking the right token out: another client is not affected, and the
 * same client gets in once its delay is over. Time is the brake's injected clock.
 */
describe('admin API and console login: the brake on guessing the admin token', () => {
  let server: ConsoleServer;
  let now = Date.UTC(2026, 0, 1);
  /** Whether the TCP peer (127.0.0.1 here) is taken for a reverse proxy whose X-Forwarded-For is trusted. */
  let behindProxy = false;

  before(async () => {
    server = await startConsoleServer({
      wxoa: {
        authBrake: {
          clock: () => now,
          trustProxy: () => behindProxy,
          client: { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 60_000, forgetAfterMs: 600_000 },
          proxy: { freeFailures: 12, baseDelayMs: 1000, maxDelayMs: 60_000, forgetAfterMs: 600_000 },
        },
      },
    });
  });

  after(async () => {
    await server?.close();
  });

  beforeEach(() => {
    // Every test starts with the failures of the ones before forgotten.
    now += 3_600_000;
    behindProxy = false;
  });

  let spoofed = 0;
  async function api(token: string, forwardedFor = `10.9.${spoofed % 250}.${spoofed++ % 250}`) {
    const res = await fetch(`${server.origin}/api/followers`, {
      headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': forwardedFor },
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
  }
  const WRONG = 'wrong-token-abcdefgh-0123456789';

  it('answers 429 with Retry-After after the free failures, whatever X-Forwarded-For says', async () => {
    for (let i = 0; i < 6; i++) expect((await api(WRONG)).status, `guess ${i + 1}`).to.equal(401);
    const braked = await api(WRONG);
    expect(braked.status).to.equal(429);
    expect(braked.retryAfter).to.equal('1');
    expect(JSON.parse(braked.body)).to.have.nested.property('error.code', 'too_many_attempts');
    // The right token is no oracle while the client is braked …
    expect((await api(ADMIN_TOKEN)).status).to.equal(429);
    now += 1000;
    // … and works once the delay is over, which starts the client afresh.
    expect((await api(ADMIN_TOKEN)).status).to.equal(200);
    for (let i = 0; i < 5; i++) expect((await api(WRONG)).status).to.equal(401);
  });

  it('doubles the delay with each further failure', async () => {
    for (let i = 0; i < 6; i++) await api(WRONG);
    now += 1000;
    expect((await api(WRONG)).status).to.equal(401);
    expect((await api(WRONG)).retryAfter).to.equal('2');
  });

  it('does not count requests that bring no token at all', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${server.origin}/api/followers`);
      expect(res.status).to.equal(401);
    }
    expect((await api(ADMIN_TOKEN)).status).to.equal(200);
  });

  it('counts wrong tokens on the login form and the API together', async () => {
    for (let i = 0; i < 3; i++) expect((await api(WRONG)).status).to.equal(401);
    const c = new ConsoleClient(server.origin);
    for (let i = 0; i < 3; i++) expect((await c.login(WRONG)).status).to.equal(401);
    const braked = await c.login(WRONG);
    expect(braked.status).to.equal(429);
    expect(braked.headers.get('retry-after')).to.equal('1');
    expect(braked.markup).to.contain('Too many wrong tokens');
    const right = await c.login(ADMIN_TOKEN);
    expect(right.status).to.equal(429);
    expect(right.setCookies).to.deep.equal([]);
    now += 1000;
    expect((await c.login(ADMIN_TOKEN)).status).to.equal(302);
  });

  it('behind a proxy, brakes the address the proxy appended, not the ones a client put before it', async () => {
    behindProxy = true;
    for (let i = 0; i < 6; i++) expect((await api(WRONG, `1.1.1.${i}, 203.0.113.7`)).status).to.equal(401);
    expect((await api(WRONG, '1.1.1.99, 203.0.113.7')).status).to.equal(429);
    expect((await api(ADMIN_TOKEN, '203.0.113.7')).status).to.equal(429);
    // Another client behind the same proxy still gets in with the right token.
    expect((await api(ADMIN_TOKEN, '203.0.113.8')).status).to.equal(200);
  });

  it('brakes everyone behind one proxy when a client forges the proxy’s own entry', async () => {
    behindProxy = true;
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await api(WRONG, `198.51.100.${i}`)).status);
    expect(statuses.slice(0, 12)).to.deep.equal(Array(12).fill(401));
    expect(statuses.at(-1)).to.equal(429);
  });

  it('takes IPv4-mapped IPv6 and a plain IPv4 address for the same client, and one /64 for one client', async () => {
    behindProxy = true;
    for (let i = 0; i < 3; i++) await api(WRONG, '::ffff:192.0.2.1');
    for (let i = 0; i < 3; i++) await api(WRONG, '192.0.2.1');
    expect((await api(WRONG, '192.0.2.1')).status).to.equal(429);
    for (let i = 0; i < 6; i++) await api(WRONG, `2001:db8:1:2::${i + 1}`);
    expect((await api(WRONG, '2001:db8:1:2:ffff::1')).status).to.equal(429);
  });

  it('fails closed while the database is unreachable: 503, never a pass', async () => {
    const other = await startConsoleServer();
    try {
      await other.wxoa.store.close();
      const res = await fetch(`${other.origin}/api/followers`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(res.status).to.equal(503);
      const c = new ConsoleClient(other.origin);
      c.cookies.set(
        'wxoa_console',
        encodeSession({ sid: 'x' }, other.wxoa.sessionSecret, Date.now() + 60_000, 'console'),
      );
      expect((await c.get('/admin/followers')).status).to.equal(503);
    } finally {
      await other.close();
    }
  });
});
