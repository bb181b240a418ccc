import { expect } from 'chai';
import { ConsoleClient } from './console-client.js';
import { ADMIN_TOKEN, startConsoleServer, type ConsoleServer } from './console-server.js';

/** Issue 10: the Followers page by follow time, with counts, prefix search, plain scene words and Export. */
describe('console followers list', () => {
  let server: ConsoleServer;
  let c: ConsoleClient;
  const appid = () => server.account.appid;

  before(async () => {
    server = await startConsoleServer();
    c = new ConsoleClient(server.origin);
    await c.login(ADMIN_TOKEN);
    // Followed at 1000…1005 (oList005 the newest); oList001 left; oList003 came through "spring".
    const record = (openid: string, type: 'subscribe' | 'unsubscribe', time: number, scene: string | null) =>
      server.wxoa.store.followers.recordEvent({
        appid: appid(),
        openid,
        type,
        scene,
        ticket: null,
        createTime: time,
        dedupKey: `list:${openid}:${type}:${time}`,
      });
    for (let i = 0; i < 6; i++) {
      await record(`oList00${i}`, 'subscribe', 1_700_000_000 + i, i === 3 ? 'spring' : null);
    }
    await record('oList001', 'unsubscribe', 1_700_000_100, null);
    await server.wxoa.store.followers.saveEnrichment(appid(), [
      { openid: 'oList003', subscribe: 1, subscribe_scene: 'ADD_SCENE_QR_CODE', unionid: 'uSpring3' },
      { openid: 'oList004', subscribe: 1, subscribe_scene: 'ADD_SCENE_PROFILE_CARD' },
      { openid: 'oList005', subscribe: 1, subscribe_scene: 'ADD_SCENE_SOMETHING_NEW' },
    ]);
  });

  after(async () => {
    await server?.close();
  });

  it('lists the newest follow first by default, and oldest first or by OpenID on request', async () => {
    const page = await c.get('/admin/followers');
    expect(page.status).to.equal(200);
    expect(rows(page.markup)).to.deep.equal([
      'oList005',
      'oList004',
      'oList003',
      'oList002',
      'oList001',
      'oList000',
    ]);
    expect(rows((await c.get('/admin/followers?sort=oldest')).markup)[0]).to.equal('oList000');
    expect(rows((await c.get('/admin/followers?sort=openid')).markup)).to.deep.equal([
      'oList000',
      'oList001',
      'oList002',
      'oList003',
      'oList004',
      'oList005',
    ]);
    expect(page.markup).to.match(
      /<select[^>]*name="sort"[\s\S]*Newest follow first[\s\S]*Oldest follow first/,
    );
    const bad = await c.get('/admin/followers?sort=sideways');
    expect(bad.status).to.equal(400);
    expect(bad.markup).to.contain('id="f-sort-error"');
  });

  it('pages the newest-first list with a cursor that keeps the order and the filters', async () => {
    for (let i = 0; i < 30; i++) {
      await server.wxoa.store.followers.recordEvent({
        appid: appid(),
        openid: `oMany${String(i).padStart(2, '0')}`,
        type: 'subscribe',
        scene: 'many',
        ticket: null,
        createTime: 1_600_000_000 + (i % 3), // ties on purpose
        dedupKey: `many:${i}`,
      });
    }
    const first = await c.get('/admin/followers?scene=many');
    const next = /rel="next" href="([^"]+)"/.exec(first.markup)?.[1]?.replace(/&amp;/g, '&');
    expect(next).to.contain('scene=many');
    const second = await c.get(next!);
    const all = [...rows(first.markup), ...rows(second.markup)];
    expect(all).to.have.length(30);
    expect(new Set(all).size).to.equal(30);
    // Newest first: the three follow times descending, OpenIDs descending within a time.
    const expected = Array.from({ length: 30 }, (_, i) => `oMany${String(i).padStart(2, '0')}`).sort(
      (a, b) => {
        const t = (o: string) => Number(o.slice(5)) % 3;
        return t(b) - t(a) || (a < b ? 1 : -1);
      },
    );
    expect(all).to.deep.equal(expected);
  });

  it('counts followers, following and not following, each count a link to its list', async () => {
    const counts = await server.wxoa.store.followers.counts(appid());
    const page = await c.get('/admin/followers');
    expect(page.markup).to.contain(`<strong data-count="total">${counts.total}</strong>followers`);
    expect(page.markup).to.contain(`<strong data-count="following">${counts.subscribed}</strong>following`);
    expect(page.markup).to.contain(`<strong data-count="unfollowed">1</strong>not following`);
    expect(page.markup).to.contain('href="/admin/followers?subscribed=no"');
    expect(counts.total).to.equal(counts.subscribed + 1);
  });

  it('searches by the first characters of an OpenID or a UnionID', async () => {
    expect(rows((await c.get('/admin/followers?q=oList00&sort=openid')).markup)).to.have.length(6);
    expect(rows((await c.get('/admin/followers?q=oList003')).markup)).to.deep.equal(['oList003']);
    expect(rows((await c.get('/admin/followers?q=uSpr')).markup)).to.deep.equal(['oList003']);
    // A prefix, not a substring.
    const inner = await c.get('/admin/followers?q=List');
    expect(rows(inner.markup)).to.deep.equal([]);
    expect(inner.markup).to.contain('No follower matches these filters.');
  });

  it('says how people came in words, keeping WeChat’s value in the title', async () => {
    const page = await c.get('/admin/followers?sort=openid&q=oList00');
    expect(page.markup).to.contain('<span title="ADD_SCENE_QR_CODE">QR code</span>');
    expect(page.markup).to.contain(
      '<span title="ADD_SCENE_PROFILE_CARD">Profile card (shared contact)</span>',
    );
    // A value WeChat added later is shown as it came.
    expect(page.markup).to.contain('<span title="ADD_SCENE_SOMETHING_NEW">ADD_SCENE_SOMETHING_NEW</span>');
    const record = await c.get('/admin/followers/oList003');
    expect(record.markup).to.match(
      /data-field="subscribe-scene"><span title="ADD_SCENE_QR_CODE">QR code<\/span>/,
    );
  });

  it('exports the page’s filters as CSV through the console session', async () => {
    const page = await c.get('/admin/followers?scene=spring&subscribed=yes');
    expect(page.markup).to.contain(
      'data-export href="/admin/followers/export.csv?scene=spring&amp;subscribed=yes" download',
    );
    const csv = await c.get('/admin/followers/export.csv?scene=spring&subscribed=yes');
    expect(csv.status).to.equal(200);
    expect(csv.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).to.equal(
      `attachment; filename="followers-${appid()}.csv"`,
    );
    const lines = csv.body.split('\r\n').filter((l) => l !== '');
    expect(lines[0]).to.match(/^appid,openid,unionid,subscribed,/);
    expect(lines.slice(1).map((l) => l.split(',')[1])).to.deep.equal(['oList003']);

    const prefix = await c.get('/admin/followers/export.csv?q=oList');
    expect(prefix.body.split('\r\n').filter((l) => l !== '')).to.have.length(7);
    const left = await c.get('/admin/followers/export.csv?subscribed=no');
    expect(left.body.split('\r\n')[1]).to.match(/^[^,]+,oList001,/);

    const bad = await c.get('/admin/followers/export.csv?subscribed=maybe');
    expect(bad.status).to.equal(400);
    expect(bad.body).to.contain('Not exported: Choose any, following or unfollowed.');
  });

  it('sends a visitor without a session to the login form, not the CSV', async () => {
    const anonymous = new ConsoleClient(server.origin);
    const res = await anonymous.get('/admin/followers/export.csv');
    expect(res.status).to.equal(303);
    expect(res.location).to.equal(`/admin/login?next=${encodeURIComponent('/admin/followers/export.csv')}`);
    expect(res.body).not.to.contain('oList');
  });

  it('shows no "Unfollowed" date next to "following" after a re-follow', async () => {
    // WeChat tells pushes of one second apart by CreateTime alone, so each step is a second later.
    const step = (type: 'subscribe' | 'unsubscribe', time: number) =>
      server.wxoa.store.followers.recordEvent({
        appid: appid(),
        openid: 'oBackAgain',
        type,
        scene: null,
        ticket: null,
        createTime: time,
        dedupKey: `back:${type}:${time}`,
      });
    await step('subscribe', 1_700_000_000);
    await step('unsubscribe', 1_700_000_001);
    const gone = await c.get('/admin/followers/oBackAgain');
    expect(gone.markup).to.contain('<dt>Unfollowed</dt>');
    await step('subscribe', 1_700_000_002);
    const back = await c.get('/admin/followers/oBackAgain');
    expect(back.markup).to.contain('<span class="tag green">following</span>');
    expect(back.markup).not.to.contain('<dt>Unfollowed</dt>');
    // The unfollow stays in the history.
    expect(back.markup).to.match(/data-table="events"[\s\S]*unfollowed[\s\S]*followed/);
  });
});

function rows(page: string): string[] {
  return [...page.matchAll(/<tr data-openid="([^"]+)">/g)].map((m) => m[1] ?? '');
}
