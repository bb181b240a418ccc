import { expect } from 'chai';
import { ConsoleClient } from './console-client.js';
import { ADMIN_TOKEN, startConsoleServer, type ConsoleServer } from './console-server.js';

/** Markup a follower (or anyone feeding WeChat data) might send, and what must never reach a page raw. */
const MESSAGE_SCRIPT = '<script>alert(1)</script>';
const MESSAGE_IMG = '<img src=x onerror=alert(2)>';
const REMARK = '"><svg onload=alert(3)>';
const SCENE = '<b onmouseover=alert(4)>x</b>';
const RAW = [/<script>alert/i, /<img src=x/i, /<svg onload/i, /<b onmouseover/i, /onerror=alert\(2\)>/];

/**
 * Follower-supplied text (message content, remarks, QR scenes) never becomes markup: every page and every
 * live fragment shows it as text (issue 6: "escape everything").
 */
describe('console escaping of follower-supplied text', () => {
  let server: ConsoleServer;
  let c: ConsoleClient;
  let openid: string;

  before(async () => {
    server = await startConsoleServer();
    const follower = server.account.follower();
    openid = follower.openid;
    await follower.follow({ scene: SCENE });
    await follower.sendText(MESSAGE_SCRIPT);
    await follower.sendText(MESSAGE_IMG);
    const { followers } = server.wxoa.store;
    const appid = server.account.appid;
    // Enrichment runs after the follow; the remark is set once it is done, so it is not overwritten.
    await server.wxoa.enrichment.drain();
    expect((await followers.get(appid, openid))?.enrichedAt).to.be.a('string');
    await followers.saveEnrichment(appid, [{ openid, subscribe: 1, remark: REMARK }]);
    c = new ConsoleClient(server.origin);
    await c.login(ADMIN_TOKEN);
  });

  after(async () => {
    await server?.close();
  });

  const pages = () => [
    '/admin/conversations',
    `/admin/conversations/${openid}`,
    '/admin/followers',
    `/admin/followers/${openid}`,
    `/admin/followers?scene=${encodeURIComponent(SCENE)}`,
    '/admin/campaigns',
    `/admin/simulator?as=${openid}`,
  ];

  it('shows message content, remarks and scenes as text on every page', async () => {
    for (const path of pages()) {
      const page = await c.get(path);
      expect(page.status, path).to.equal(200);
      for (const raw of RAW) expect(page.body, `${path} ${raw}`).not.to.match(raw);
    }
    const thread = await c.get(`/admin/conversations/${openid}`);
    expect(thread.body).to.contain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(thread.body).to.contain('&lt;img src=x onerror=alert(2)&gt;');
    const record = await c.get(`/admin/followers/${openid}`);
    expect(record.body).to.contain('&quot;&gt;&lt;svg onload=alert(3)&gt;');
    expect(record.body).to.contain('&lt;b onmouseover=alert(4)&gt;x&lt;/b&gt;');
    const campaigns = await c.get('/admin/campaigns');
    expect(campaigns.body).to.contain('data-scene="&lt;b onmouseover=alert(4)&gt;x&lt;/b&gt;"');
  });

  it('escapes the HTML fragments that live regions swap in', async () => {
    for (const path of [
      '/admin/live/inbox',
      `/admin/live/conversations/${openid}`,
      `/admin/live/followers/${openid}`,
      `/admin/live/simulator/${openid}`,
    ]) {
      const res = await c.get(path);
      expect(res.status, path).to.equal(200);
      const { html } = JSON.parse(res.body) as { html: string };
      for (const raw of RAW) expect(html, `${path} ${raw}`).not.to.match(raw);
    }
  });

  it('keeps an operator’s markup-like reply as text too', async () => {
    const sent = await c.post(`/admin/conversations/${openid}/reply`, {
      text: '<i>thanks</i>',
      _csrf: await c.csrf(),
    });
    expect(sent.status).to.equal(302);
    const thread = await c.get(`/admin/conversations/${openid}`);
    expect(thread.body).to.contain('&lt;i&gt;thanks&lt;/i&gt;');
    expect(thread.body).not.to.contain('<i>thanks</i>');
  });
});
