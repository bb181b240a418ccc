import { expect } from 'chai';
import { ConsoleClient } from './console-client.js';
import { ADMIN_TOKEN, startConsoleServer, type ConsoleServer } from './console-server.js';

const EXTRA = 'wxextra00000000001';

/** With a real WeChat account (no in-process simulator) the console has no simulator panel. */
describe('console outside sandbox mode', () => {
  let server: ConsoleServer;
  let c: ConsoleClient;

  before(async () => {
    server = await startConsoleServer({
      sandbox: false,
      configFile: { accounts: [{ appid: EXTRA, appsecret: 'extra-secret', token: 'extratoken' }] },
    });
    c = new ConsoleClient(server.origin);
    await c.login(ADMIN_TOKEN);
  });

  after(async () => {
    await server?.close();
  });

  it('hides the simulator from the navigation and answers its page with 404', async () => {
    const followers = await c.get('/admin/followers');
    expect(followers.markup).to.contain('href="/admin/conversations"');
    expect(followers.markup).not.to.contain('href="/admin/simulator"');
    expect(followers.markup).not.to.contain('badge-sandbox');
    const panel = await c.get('/admin/simulator');
    expect(panel.status).to.equal(404);
    expect(panel.markup).to.contain('sandbox mode only');
    const follow = await c.post('/admin/simulator/follow', { scene: '', openid: '', _csrf: await c.csrf() });
    expect(follow.status).to.equal(404);
    expect(server.account.followers()).to.deep.equal([]);
  });

  it('says atop the Followers page when the list was last synced and what that changed', async () => {
    const before = await c.get('/admin/followers');
    // This harness loads its config as sandbox mode does, where the automatic sync is off.
    expect(before.markup).to.contain(
      '<p class="muted" data-sync-status>Never synced with WeChat. Automatic sync is off (<span class="mono">WXOA_SYNC_INTERVAL=0</span>);',
    );
    const appid = server.wxoa.accounts[0]!.appid;
    const begun = await server.wxoa.store.syncRuns.begin({
      appid,
      trigger: 'periodic',
      holder: 'test',
      resumed: false,
      leaseMs: 60_000,
    });
    if (!('run' in begun)) throw new Error('expected a run');
    await server.wxoa.store.syncRuns.update(
      begun.run.id,
      { listed: 7, newlyFound: 0, unsubscribed: 0, enriched: 0, enrichFailed: 0 },
      60_000,
    );
    expect((await c.get('/admin/followers')).markup).to.contain('Sync running since');
    await server.wxoa.store.syncRuns.finish(begun.run.id, 'done', {
      listed: 12,
      newlyFound: 2,
      unsubscribed: 1,
      enriched: 12,
      enrichFailed: 0,
    });
    const after = await c.get('/admin/followers');
    expect(after.markup).to.match(
      /Last synced \d+ s ago \(<time datetime="[^"]+">[^<]+<\/time>\) \(periodic\)/,
    );
    expect(after.markup).to.contain('12 listed, 2 newly found, 1 marked unsubscribed, 12 refreshed.');
  });

  it('opens on the inbox', async () => {
    const res = await c.get('/admin');
    expect(res.location).to.equal('/admin/conversations');
  });

  it('shows another configured account’s followers with ?appid=, keeping it in links and forms', async () => {
    await server.wxoa.store.followers.recordEvent({
      appid: EXTRA,
      openid: 'oExtraFollower001',
      type: 'subscribe',
      scene: 'fair',
      ticket: null,
      createTime: Math.floor(Date.now() / 1000),
      dedupKey: 'test:extra:1',
    });
    const primary = await c.get('/admin/followers');
    expect(primary.markup).not.to.contain('oExtraFollower001');
    expect(primary.markup).to.contain(`<option value="${EXTRA}">`);
    const extra = await c.get(`/admin/followers?appid=${EXTRA}`);
    expect(extra.markup).to.contain(
      `<a class="mono" href="/admin/followers/oExtraFollower001?appid=${EXTRA}">`,
    );
    expect(extra.markup).to.contain(`<option value="${EXTRA}" selected>`);
    const record = await c.get(`/admin/followers/oExtraFollower001?appid=${EXTRA}`);
    expect(record.status).to.equal(200);
    expect(record.markup).to.contain(`action="/admin/conversations/oExtraFollower001/reply?appid=${EXTRA}"`);
    expect((await c.get('/admin/followers/oExtraFollower001')).status).to.equal(404);
    expect((await c.get('/admin/followers?appid=wxnotconfigured0001')).status).to.equal(404);
  });
});
