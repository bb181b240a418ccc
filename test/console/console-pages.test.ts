import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConsoleClient, squash } from './console-client.js';
import { ADMIN_TOKEN, startConsoleServer, type ConsoleServer } from './console-server.js';

const CONFIG = {
  replies: {
    subscribe: { type: 'text', content: 'Welcome!' },
    scenes: { spring: { type: 'text', content: 'Welcome, spring visitor' } },
    keywords: [{ match: 'exact', pattern: 'hello', reply: { type: 'text', content: 'Hi there' } }],
    clicks: { MENU_HELP: { type: 'text', content: 'How can we help?' } },
  },
  menu: 'menu.json',
};

const MENU = {
  button: [
    { type: 'click', name: 'Help', key: 'MENU_HELP' },
    {
      name: 'More',
      sub_button: [
        { type: 'view', name: 'Website', url: 'https://example.com/' },
        { type: 'view', name: 'My account', oauth: { scope: 'snsapi_base', target: '/account' } },
      ],
    },
  ],
};

/** What the console's pages show and do, against the simulator playing WeChat. */
describe('console pages', () => {
  let server: ConsoleServer;
  let c: ConsoleClient;

  before(async () => {
    server = await startConsoleServer({ configFile: CONFIG, files: { 'menu.json': JSON.stringify(MENU) } });
    c = new ConsoleClient(server.origin);
    await c.login(ADMIN_TOKEN);
  });

  after(async () => {
    await server?.close();
  });

  const appid = () => server.account.appid;
  /** Enriches now what the follows queued (rather than waiting out the worker's debounce). */
  const enriched = async (openid: string) => {
    await server.wxoa.enrichment.drain();
    expect((await server.wxoa.store.followers.get(appid(), openid))?.enrichedAt).to.be.a('string');
  };

  describe('followers', () => {
    it('shows a follower’s profile with scene and UnionID, the identities, the history and the conversation', async () => {
      const follower = server.account.follower();
      await follower.follow({ scene: 'spring' });
      await follower.sendText('Is the shop open?');
      await enriched(follower.openid);
      const page = await c.get(`/admin/followers/${follower.openid}`);
      expect(page.status).to.equal(200);
      expect(page.markup).to.contain(`<dd class="mono" data-field="unionid">${follower.unionid}</dd>`);
      expect(page.markup).to.contain('<dd data-field="scene">spring</dd>');
      expect(page.markup).to.contain('<span title="ADD_SCENE_QR_CODE">QR code</span>');
      expect(page.markup).to.match(/data-table="identities"[\s\S]*this one/);
      expect(page.markup).to.match(/data-table="events"[\s\S]*followed[\s\S]*spring/);
      expect(page.markup).to.contain('Is the shop open?');
      expect(page.markup).to.contain('data-window="open"');
    });

    it('says the profile is still being fetched until enrichment is done', async () => {
      // A follower stored without WeChat's answer yet (as capture leaves it).
      await server.wxoa.store.followers.recordEvent({
        appid: appid(),
        openid: 'oNotYetEnriched0001',
        type: 'subscribe',
        scene: null,
        ticket: null,
        createTime: Math.floor(Date.now() / 1000),
        dedupKey: 'test:not-yet-enriched',
      });
      const page = await c.get('/admin/followers/oNotYetEnriched0001');
      expect(page.markup).to.match(
        /data-field="unionid"><span class="tag amber" data-pending>waiting for WeChat/,
      );
      expect(page.markup).to.contain('data-live="/admin/live/followers/oNotYetEnriched0001"');
    });

    it('searches by OpenID or UnionID, filters by scene and status, and pages with a cursor', async () => {
      const now = Math.floor(Date.now() / 1000);
      for (let i = 0; i < 30; i++) {
        await server.wxoa.store.followers.recordEvent({
          appid: appid(),
          openid: `oPage${String(i).padStart(3, '0')}`,
          type: 'subscribe',
          scene: 'paging',
          ticket: null,
          createTime: now,
          dedupKey: `test:paging:${i}`,
        });
      }
      const first = await c.get('/admin/followers?scene=paging');
      expect(rows(first.markup)).to.have.length(25);
      const next = /rel="next" href="([^"]+)"/.exec(first.markup)?.[1]?.replace(/&amp;/g, '&');
      expect(next).to.be.a('string');
      const second = await c.get(next ?? '');
      expect(rows(second.markup)).to.have.length(5);
      expect(second.markup).not.to.contain('rel="next"');
      expect(second.markup).to.contain('← First page');

      const byOpenid = await c.get('/admin/followers?q=oPage007');
      expect(rows(byOpenid.markup)).to.deep.equal(['oPage007']);
      const f = server.account.follower();
      await f.follow();
      await enriched(f.openid);
      expect(rows((await c.get(`/admin/followers?q=${f.unionid}`)).markup)).to.deep.equal([f.openid]);
      await f.unfollow();
      expect(rows((await c.get('/admin/followers?subscribed=no')).markup)).to.include(f.openid);
      expect(rows((await c.get('/admin/followers?subscribed=yes')).markup)).not.to.include(f.openid);
    });

    it('shows a filter that cannot be right beside its field', async () => {
      const res = await c.get(`/admin/followers?scene=${'s'.repeat(65)}&subscribed=maybe`);
      expect(res.status).to.equal(400);
      expect(res.markup).to.contain(
        '<span class="error" id="f-scene-error">A scene is at most 64 characters.</span>',
      );
      expect(res.markup).to.contain('<span class="error" id="f-subscribed-error">');
    });

    it('answers an unknown follower with the 404 page', async () => {
      const res = await c.get('/admin/followers/oNobodyByThisName');
      expect(res.status).to.equal(404);
      expect(res.markup).to.contain('No follower of this account has this OpenID.');
      expect(res.markup).to.contain('aria-label="Console"');
    });
  });

  describe('conversations', () => {
    it('lists conversations newest first and marks the unanswered ones', async () => {
      const older = server.account.follower();
      const newer = server.account.follower();
      await older.follow();
      await newer.follow();
      await older.sendText('first question');
      // Both in the same second of CreateTime, most likely: the later message (higher id) still comes first.
      await newer.sendText('second question');
      const inbox = await c.get('/admin/conversations');
      const order = [...inbox.markup.matchAll(/<li class="(unanswered|answered)" data-openid="([^"]+)"/g)];
      const ids = order.map((m) => m[2]);
      expect(ids.indexOf(newer.openid)).to.be.lessThan(ids.indexOf(older.openid));
      expect(order.find((m) => m[2] === newer.openid)?.[1]).to.equal('unanswered');

      const sent = await c.post(`/admin/conversations/${newer.openid}/reply`, {
        text: 'Answer!',
        _csrf: await c.csrf(),
      });
      expect(sent.location).to.equal(`/admin/conversations/${newer.openid}?sent=1`);
      const after = await c.get('/admin/live/inbox');
      expect(squash(JSON.parse(after.body).html)).to.match(
        new RegExp(`<li class="answered" data-openid="${newer.openid}"`),
      );
      expect(server.account.sentMessages.at(-1)).to.include({ touser: newer.openid, msgtype: 'text' });
      expect(server.account.sentMessages.at(-1)?.body.text.content).to.equal('Answer!');
    });

    it('changes the live inbox version when a message arrives, so open pages update', async () => {
      const before = JSON.parse((await c.get('/admin/live/inbox')).body) as { version: string };
      const again = JSON.parse((await c.get('/admin/live/inbox')).body) as { version: string };
      expect(again.version).to.equal(before.version);
      const f = server.account.follower();
      await f.follow();
      await f.sendText('anyone there?');
      const after = JSON.parse((await c.get('/admin/live/inbox')).body) as { version: string; html: string };
      expect(after.version).not.to.equal(before.version);
      expect(after.html).to.contain('anyone there?');
    });

    it('keeps an empty reply from being sent and says so beside the box', async () => {
      const f = server.account.follower();
      await f.follow();
      await f.sendText('hi');
      const count = server.account.sentMessages.length;
      const res = await c.post(`/admin/conversations/${f.openid}/reply`, {
        text: '   ',
        _csrf: await c.csrf(),
      });
      expect(res.status).to.equal(400);
      expect(res.markup).to.contain('<span class="error" id="f-text-error">Type a reply first.</span>');
      expect(server.account.sentMessages.length).to.equal(count);
    });
  });

  describe('campaigns', () => {
    it('creates a QR code, redirects (a reload spends no quota) and shows its image', async () => {
      const creates = () => server.sim.calls.filter((call) => call.path === '/cgi-bin/qrcode/create').length;
      const before = creates();
      const posted = await c.post('/admin/campaigns', {
        scene: 'autumn',
        kind: 'temporary',
        expire: '3600',
        label: 'Poster <b>door</b>',
        _csrf: await c.csrf(),
      });
      expect(posted.status).to.equal(303);
      expect(posted.location).to.match(/^\/admin\/campaigns\?created=[^#]+#qr-result$/);
      const res = await c.get(posted.location!);
      const again = await c.get(posted.location!);
      expect(creates()).to.equal(before + 1);
      expect(again.markup).to.contain('QR code created.');
      expect(res.markup).to.contain('<dd data-field="label">Poster &lt;b&gt;door&lt;/b&gt;</dd>');
      const src = /<img src="(\/admin\/campaigns\/qr\?ticket=[^"]+)"/
        .exec(res.markup)?.[1]
        ?.replace(/&amp;/g, '&');
      expect(src).to.be.a('string');
      const image = await c.get(src ?? '');
      expect(image.status).to.equal(200);
      expect(image.headers.get('content-type')).to.match(/^image\/svg\+xml/);
      expect(image.body).to.contain('autumn');
      expect(
        server.sim.calls.some((call) => call.path === '/cgi-bin/qrcode/create' && call.status === 200),
      ).to.equal(true);
    });

    it('shows what is wrong with a QR code request beside the field, and sends nothing', async () => {
      // QR calls only: enrichment of earlier tests' followers may still call user/info on a busy machine.
      const qrCalls = () => server.sim.calls.filter((call) => call.path.includes('/qrcode/')).length;
      const calls = qrCalls();
      const empty = await c.post('/admin/campaigns', {
        scene: '',
        kind: 'temporary',
        expire: '60',
        _csrf: await c.csrf(),
      });
      expect(empty.status).to.equal(400);
      expect(empty.markup).to.contain('<span class="error" id="f-scene-error">');
      const long = await c.post('/admin/campaigns', {
        scene: 'x'.repeat(65),
        kind: 'temporary',
        expire: '60',
        _csrf: await c.csrf(),
      });
      expect(long.markup).to.match(/id="f-scene-error">A string scene must be 1 to 64 characters/);
      const expire = await c.post('/admin/campaigns', {
        scene: 'ok',
        kind: 'temporary',
        expire: '9999999',
        _csrf: await c.csrf(),
      });
      expect(expire.status).to.equal(400);
      // In the form's words, not the API's field name.
      expect(expire.markup).to.contain(
        'id="f-expire-error">Expiry (seconds) must be a whole number of seconds from 1 to 2592000',
      );
      expect(expire.markup).not.to.contain('expireSeconds');
      expect(qrCalls()).to.equal(calls);
    });

    it('keeps every code in a list with its label, a PNG download and a label form that redirects', async () => {
      const posted = await c.post('/admin/campaigns', {
        scene: 'window',
        kind: 'permanent',
        expire: '',
        label: '',
        _csrf: await c.csrf(),
      });
      const ticket = new URL(posted.location!, server.origin).searchParams.get('created')!;
      const page = await c.get('/admin/campaigns');
      const row = new RegExp(
        `<tr data-ticket="${ticket.replace(/[+/=]/g, (m) => `\\${m}`)}">([\\s\\S]*?)</tr>`,
      ).exec(page.markup)?.[1];
      expect(row).to.be.a('string');
      expect(row).to.contain('>window</a>');
      expect(row).to.contain('permanent');
      const png = /href="(\/admin\/campaigns\/qr\.png\?[^"]+)"/.exec(row!)?.[1]?.replace(/&amp;/g, '&');
      const image = await c.get(png!);
      expect(image.status).to.equal(200);
      expect(image.headers.get('content-type')).to.equal('image/png');
      expect(image.headers.get('content-disposition')).to.equal('attachment; filename="qr-window.png"');
      const bytes = new Uint8Array(
        await (
          await fetch(new URL(png!, server.origin), {
            headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
          })
        ).arrayBuffer(),
      );
      expect([...bytes.slice(0, 4)]).to.deep.equal([0x89, 0x50, 0x4e, 0x47]);

      const labelled = await c.post('/admin/campaigns/label', {
        ticket,
        label: 'Shop window',
        _csrf: await c.csrf(),
      });
      expect(labelled.status).to.equal(303);
      expect(labelled.location).to.equal('/admin/campaigns?labelled=1#codes');
      const after = await c.get('/admin/campaigns');
      expect(after.markup).to.contain('value="Shop window"');
      const unknown = await c.post('/admin/campaigns/label', {
        ticket: 'nope',
        label: 'x',
        _csrf: await c.csrf(),
      });
      expect(unknown.status).to.equal(404);
    });

    it('tables and charts scans, follows and unfollows per scene', async () => {
      const a = server.account.follower();
      const b = server.account.follower();
      await a.follow({ scene: 'winter' });
      await b.follow({ scene: 'winter' });
      await b.unfollow();
      await a.scan('winter');
      const page = await c.get('/admin/campaigns');
      const row = /<tr data-scene="winter">([\s\S]*?)<\/tr>/.exec(page.markup)?.[1] ?? '';
      const numbers = [...row.matchAll(/class="num">(\d+)</g)].map((m) => Number(m[1]));
      expect(numbers).to.deep.equal([1, 2, 1]);
      expect(page.markup).to.match(/<rect class="follows"[^>]*><title>winter: 2 follows<\/title>/);
    });
  });

  describe('menu', () => {
    it('renders the menu file as the WeChat client shows it and pushes it with OAuth links expanded', async () => {
      await writeFile(join(server.dir, 'menu.json'), JSON.stringify(MENU));
      const page = await c.get('/admin/menu');
      expect(page.markup).to.contain('Valid: WeChat’s rules are met.');
      expect(page.markup).to.match(
        /<div class="menubar">[\s\S]*>Help<\/div>[\s\S]*<summary>More<\/summary>[\s\S]*>Website<[\s\S]*>My account</,
      );
      const posted = await c.post('/admin/menu/push', { _csrf: await c.csrf() });
      expect(posted.status).to.equal(303);
      expect(posted.location).to.equal('/admin/menu?pushed=1');
      const pushed = await c.get(posted.location!);
      expect(pushed.markup).to.contain('Menu pushed');
      const live = server.account.menu as { button: Array<{ sub_button?: Array<{ url?: string }> }> };
      expect(live.button[1]?.sub_button?.[1]?.url).to.equal(
        `${server.wxoa.config.publicUrl}/oauth/authorize?target=%2Faccount&scope=snsapi_base`,
      );
      expect(pushed.markup).to.contain('On WeChat now');
    });

    it('lists every problem of an invalid menu with its JSON path and will not push it', async () => {
      await writeFile(
        join(server.dir, 'menu.json'),
        JSON.stringify({
          button: [
            ...MENU.button,
            { type: 'click', name: 'Three' },
            { type: 'click', name: 'Four', key: 'K4' },
          ],
        }),
      );
      const before = JSON.stringify(server.account.menu);
      const page = await c.get('/admin/menu');
      expect(page.markup).to.match(/<li><code>button\[2\]\.key<\/code>: /);
      expect(page.markup).to.match(/<li><code>button<\/code>: [^<]*3/);
      expect(page.markup).to.match(/<button type="submit" disabled>Push to WeChat<\/button>/);
      const pushed = await c.post('/admin/menu/push', { _csrf: await c.csrf() });
      expect(pushed.status).to.equal(400);
      expect(JSON.stringify(server.account.menu)).to.equal(before);
      await writeFile(join(server.dir, 'menu.json'), JSON.stringify(MENU));
    });
  });

  describe('simulator panel', () => {
    it('follows through a scene as a new person and shows the reply and the follower record link', async () => {
      const res = await c.post('/admin/simulator/follow', {
        scene: 'spring',
        openid: '',
        _csrf: await c.csrf(),
      });
      expect(res.status).to.equal(302);
      const openid = new URL(res.location ?? '', server.origin).searchParams.get('as') ?? '';
      expect(server.account.followers()).to.include(openid);
      const panel = await c.get(res.location ?? '');
      expect(panel.markup).to.contain('You followed through QR scene “spring”');
      expect(panel.markup).to.match(
        /<li class="in" data-reply><div class="bubble">Welcome, spring visitor<\/div>/,
      );
      expect(panel.markup).to.contain(`href="/admin/followers/${openid}" data-follower-link`);
      await enriched(openid);
      const record = await server.wxoa.store.followers.get(appid(), openid);
      expect(record).to.include({ scene: 'spring', subscribed: true });
    });

    it('sends text, taps a menu key, scans and unfollows as that follower, showing each reply', async () => {
      const follow = await c.post('/admin/simulator/follow', {
        scene: '',
        openid: '',
        _csrf: await c.csrf(),
      });
      const openid = new URL(follow.location ?? '', server.origin).searchParams.get('as') ?? '';
      const panelPath = `/admin/simulator?as=${openid}`;
      const csrf = await c.csrf(panelPath);
      expect((await c.get(panelPath)).markup).to.match(/<option value="MENU_HELP">MENU_HELP<\/option>/);
      expect((await c.post('/admin/simulator/text', { openid, text: 'hello', _csrf: csrf })).status).to.equal(
        302,
      );
      expect(
        (await c.post('/admin/simulator/click', { openid, key: 'MENU_HELP', _csrf: csrf })).status,
      ).to.equal(302);
      expect(
        (await c.post('/admin/simulator/scan', { openid, scanScene: 'spring', _csrf: csrf })).status,
      ).to.equal(302);
      const phone = squash(JSON.parse((await c.get(`/admin/live/simulator/${openid}`)).body).html as string);
      expect(phone).to.match(
        /<li class="out"><div class="bubble">hello<\/div>[\s\S]*<div class="bubble">Hi there<\/div>/,
      );
      expect(phone).to.match(/key “MENU_HELP”[\s\S]*How can we help\?/);
      expect(phone).to.match(/scanned QR scene “spring”[\s\S]*Welcome, spring visitor/);

      expect((await c.post('/admin/simulator/unfollow', { openid, _csrf: csrf })).status).to.equal(302);
      expect(server.account.followers()).not.to.include(openid);
      const record = await c.get(`/admin/followers/${openid}`);
      expect(record.markup).to.contain('<span class="tag red">unfollowed</span>');
    });

    it('shows the simulator’s refusal beside the form (a follower who does not follow cannot send)', async () => {
      const follow = await c.post('/admin/simulator/follow', {
        scene: '',
        openid: '',
        _csrf: await c.csrf(),
      });
      const openid = new URL(follow.location ?? '', server.origin).searchParams.get('as') ?? '';
      await c.post('/admin/simulator/unfollow', { openid, _csrf: await c.csrf() });
      const res = await c.post('/admin/simulator/text', {
        openid,
        text: 'still here?',
        _csrf: await c.csrf(),
      });
      expect(res.status).to.equal(409);
      expect(res.markup).to.match(/<div class="flash error" role="alert">[^<]*does not follow/);
    });

    it('validates the simulator forms beside their fields', async () => {
      const bad = await c.post('/admin/simulator/follow', {
        scene: '',
        openid: 'not an openid!',
        _csrf: await c.csrf(),
      });
      expect(bad.status).to.equal(400);
      expect(bad.markup).to.contain('id="f-openid-error"');
      const f = server.account.follower();
      await f.follow();
      const empty = await c.post('/admin/simulator/text', {
        openid: f.openid,
        text: '',
        _csrf: await c.csrf(),
      });
      expect(empty.status).to.equal(400);
      expect(empty.markup).to.contain('<span class="error" id="f-text-error">Type a message first.</span>');
    });
  });

  describe('navigation', () => {
    it('answers an unknown console path with the 404 page', async () => {
      const res = await c.get('/admin/no-such-page');
      expect(res.status).to.equal(404);
      expect(res.markup).to.contain('<h1>Not found</h1>');
    });
  });

  // Last (mocha runs nested suites in order, after a suite's own tests): it moves the simulator's clock on.
  describe('after the reply window closed', () => {
    it('shows WeChat’s refusal (45015) beside the reply box once the 48-hour window has closed', async () => {
      const f = server.account.follower();
      await f.follow();
      await f.sendText('are you there?');
      server.sim.clock.advance(49 * 3_600_000);
      const count = server.account.sentMessages.length;
      const res = await c.post(`/admin/conversations/${f.openid}/reply`, {
        text: 'Sorry for the wait',
        back: 'follower',
        _csrf: await c.csrf(),
      });
      expect(res.status).to.equal(409);
      expect(res.markup).to.match(
        /id="f-text-error">Not sent: WeChat&#39;s reply window has closed \(error 45015\)/,
      );
      // The operator's text is kept for when the follower writes again.
      expect(res.markup).to.contain('>Sorry for the wait</textarea>');
      expect(server.account.sentMessages.length).to.equal(count);
    });
  });
});

/** The OpenIDs of a followers table, in order. */
function rows(page: string): string[] {
  return [...page.matchAll(/<tr data-openid="([^"]+)">/g)].map((m) => m[1] ?? '');
}
