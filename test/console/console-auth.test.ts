import { expect } from 'chai';
import { createLoginLink } from '../../src/http/console/index.js';
import { encodeSession } from '../../src/oauth/session-token.js';
import { ConsoleClient } from './console-client.js';
import { ADMIN_TOKEN, startConsoleServer, type ConsoleServer } from './console-server.js';

/** Signing in and out of the console, and what a request without a valid session or CSRF token gets. */
describe('console sign-in, sessions and CSRF', () => {
  let server: ConsoleServer;

  before(async () => {
    server = await startConsoleServer();
  });

  after(async () => {
    await server?.close();
  });

  const client = () => new ConsoleClient(server.origin);

  it('sends a signed-out browser to the login form, remembering the page it asked for', async () => {
    const res = await client().get('/admin/followers?scene=spring');
    expect(res.status).to.equal(303);
    expect(res.location).to.equal(`/admin/login?next=${encodeURIComponent('/admin/followers?scene=spring')}`);
    const form = await client().get(res.location ?? '');
    expect(form.status).to.equal(200);
    expect(form.markup).to.contain('name="token"');
    expect(form.markup).to.contain('value="/admin/followers?scene=spring"');
  });

  it('answers a signed-out poll with 401 JSON instead of a redirect', async () => {
    const res = await client().get('/admin/live/inbox');
    expect(res.status).to.equal(401);
    expect(JSON.parse(res.body)).to.have.nested.property('error.code', 'unauthenticated');
  });

  it('refuses a wrong admin token with the error beside the field and no session', async () => {
    const c = client();
    const res = await c.post('/admin/login', { token: 'not-the-admin-token-at-all', next: '/admin' });
    expect(res.status).to.equal(401);
    expect(res.markup).to.match(
      /<span class="error" id="f-token-error">That is not the admin token\.<\/span>/,
    );
    expect(res.setCookies).to.deep.equal([]);
    expect((await c.get('/admin/followers')).status).to.equal(303);
  });

  it('asks for the token when the form is sent empty', async () => {
    const res = await client().post('/admin/login', { token: '', next: '/admin' });
    expect(res.status).to.equal(400);
    expect(res.markup).to.contain('Enter the admin token.');
  });

  it('starts an HttpOnly, SameSite=Lax session scoped to /admin with the admin token', async () => {
    const c = client();
    const res = await c.login(ADMIN_TOKEN);
    expect(res.status).to.equal(302);
    expect(res.location).to.equal('/admin/followers');
    const cookie = res.setCookies.find((line) => line.startsWith('wxoa_console='));
    expect(cookie).to.match(/; path=\/admin/);
    expect(cookie).to.match(/; httponly/i);
    expect(cookie).to.match(/; samesite=lax/i);
    // PUBLIC_URL is http here: a Secure cookie would never come back.
    expect(cookie).not.to.match(/; secure/i);
    const page = await c.get('/admin/followers');
    expect(page.status).to.equal(200);
    expect(page.markup).to.contain('<h1>Followers</h1>');
  });

  it('does not follow a login `next` that leaves the console', async () => {
    for (const next of [
      '//evil.example/admin',
      'https://evil.example/',
      '/\\evil.example',
      '/api/followers',
      '%2F%2Fevil.example',
      '/%2F%2Fevil.example',
      '%2Fadmin',
      '\\\\evil.example',
      '/admin\\evil.example',
      '/admin@evil.example',
      '/admin.evil.example',
      ' //evil.example',
      '/admin/\tfollowers',
      'javascript:alert(1)',
      'HTTPS://evil.example/admin',
    ]) {
      const res = await client().post('/admin/login', { token: ADMIN_TOKEN, next });
      expect(res.location, next).to.equal('/admin');
    }
    // Through the login link's query too, once and twice URL-encoded: the form carries the safe value only.
    for (const query of [
      '%2F%2Fevil.example',
      '%252F%252Fevil.example',
      '/%5Cevil.example',
      'https%3A%2F%2Fevil.example',
    ]) {
      const form = await client().get(`/admin/login?next=${query}`);
      expect(form.markup, query).to.contain('<input type="hidden" name="next" value="/admin" />');
    }
  });

  it('sends a form sent after the session ran out back to the page it came from, after the login', async () => {
    const signedOut = client();
    const res = await signedOut.post(
      '/admin/conversations/oSomebody/reply',
      { text: 'typed before the session ran out', back: 'thread' },
      { referer: `${server.origin}/admin/conversations/oSomebody?earlier=abc` },
    );
    expect(res.status).to.equal(303);
    const next = '/admin/conversations/oSomebody?earlier=abc';
    expect(res.location).to.equal(`/admin/login?next=${encodeURIComponent(next)}`);
    const form = await signedOut.get(res.location!);
    expect(form.markup).to.contain(
      `<input type="hidden" name="next" value="${next.replace('&', '&amp;')}" />`,
    );
    const login = await signedOut.post('/admin/login', { token: ADMIN_TOKEN, next });
    expect(login.location).to.equal(next);
    // Nothing was sent on the way.
    expect(server.sim.calls.filter((call) => call.path.includes('/message/custom/send'))).to.deep.equal([]);

    // A Referer from another site, or none, is no place to return to.
    for (const referer of ['https://evil.example/admin/followers', undefined]) {
      const other = await client().post(
        '/admin/conversations/oSomebody/reply',
        { text: 'x' },
        referer ? { referer } : {},
      );
      expect(other.location, referer).to.equal(`/admin/login?next=${encodeURIComponent('/admin')}`);
    }
  });

  it('lets a one-time login link sign in once, and refuses it the second time', async () => {
    const link = await createLoginLink(server.wxoa, server.origin);
    expect(link).to.match(new RegExp(`^${server.origin}/admin/login/[A-Za-z0-9]{32}$`));
    const path = new URL(link).pathname;

    const first = client();
    const used = await first.get(path);
    expect(used.status).to.equal(302);
    expect(used.location).to.equal('/admin');
    expect(used.headers.get('referrer-policy')).to.equal('same-origin');
    expect((await first.get('/admin/conversations')).status).to.equal(200);

    const second = client();
    const again = await second.get(path);
    expect(again.status).to.equal(400);
    expect(again.markup).to.contain('already used, or it expired');
    expect(again.setCookies).to.deep.equal([]);
    expect((await second.get('/admin/conversations')).status).to.equal(303);
  });

  it('refuses a made-up login link', async () => {
    const res = await client().get('/admin/login/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(res.status).to.equal(400);
    expect(res.setCookies).to.deep.equal([]);
  });

  it('does not open the console with a visitor (OAuth) session or a forged cookie', async () => {
    const visitor = encodeSession(
      { sid: 'x', appid: 'a', openid: 'o', scope: 'snsapi_base' },
      server.wxoa.sessionSecret,
      Date.now() + 60_000,
      'visitor',
    );
    const forged = encodeSession({ sid: 'x' }, 'some-other-secret', Date.now() + 60_000, 'console');
    for (const value of [visitor, forged, 'garbage']) {
      const c = client();
      c.cookies.set('wxoa_console', value);
      expect((await c.get('/admin/followers')).status, value).to.equal(303);
    }
  });

  it('refuses a form posted without the CSRF token, with another session’s token, or from another site', async () => {
    const follower = server.account.follower();
    await follower.follow();
    await follower.sendText('hello?');
    const a = client();
    await a.login(ADMIN_TOKEN);
    const b = client();
    await b.login(ADMIN_TOKEN);
    const otherToken = await b.csrf();
    const path = `/admin/conversations/${follower.openid}/reply`;

    const without = await a.post(path, { text: 'hi' });
    expect(without.status).to.equal(403);
    expect(without.markup).to.contain('CSRF');
    expect((await a.post(path, { text: 'hi', _csrf: otherToken })).status).to.equal(403);
    const crossSite = await a.post(
      path,
      { text: 'hi', _csrf: await a.csrf() },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.status).to.equal(403);
    expect(server.account.sentMessages.filter((m) => m.touser === follower.openid)).to.deep.equal([]);

    const ok = await a.post(path, { text: 'hi', _csrf: await a.csrf() });
    expect(ok.status).to.equal(302);
    expect(server.account.sentMessages.filter((m) => m.touser === follower.openid)).to.have.length(1);
  });

  it('logs out (CSRF-checked) and the session cookie is gone', async () => {
    const c = client();
    await c.login(ADMIN_TOKEN);
    expect((await c.post('/admin/logout', {})).status).to.equal(403);
    const out = await c.post('/admin/logout', { _csrf: await c.csrf() });
    expect(out.status).to.equal(200);
    expect(out.markup).to.contain('You are logged out.');
    expect(out.setCookies.some((l) => /^wxoa_console=;/.test(l))).to.equal(true);
    expect((await c.get('/admin/followers')).status).to.equal(303);
  });

  it('ends the session on logout: the old cookie, replayed, no longer opens the console', async () => {
    const c = client();
    await c.login(ADMIN_TOKEN);
    const stolen = c.cookies.get('wxoa_console') ?? '';
    expect(stolen).not.to.equal('');
    const out = await c.post('/admin/logout', { _csrf: await c.csrf() });
    expect(out.status).to.equal(200);

    const replay = client();
    replay.cookies.set('wxoa_console', stolen);
    expect((await replay.get('/admin/followers')).status).to.equal(303);
    expect((await replay.get('/admin/live/inbox')).status).to.equal(401);
    // Another sign-in is a new session, untouched by the logout.
    const again = client();
    await again.login(ADMIN_TOKEN);
    expect((await again.get('/admin/followers')).status).to.equal(200);
  });

  it('sends security headers that forbid inline script and framing', async () => {
    const res = await client().get('/admin/login');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).to.contain("script-src 'self'");
    expect(csp).not.to.contain('unsafe-inline');
    expect(csp).to.contain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
  });
});
