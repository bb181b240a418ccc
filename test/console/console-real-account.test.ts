import { expect } from 'chai';
import { ConsoleClient } from './console-client.js';
import { ADMIN_TOKEN, startConsoleServer, type ConsoleServer } from './console-server.js';

/** With a real WeChat account (no in-process simulator) the console has no simulator panel. */
describe('console outside sandbox mode', () => {
  let server: ConsoleServer;
  let c: ConsoleClient;

  before(async () => {
    server = await startConsoleServer({ sandbox: false });
    c = new ConsoleClient(server.origin);
    await c.login(ADMIN_TOKEN);
  });

  after(async () => {
    await server?.close();
  });

  it('hides the simulator from the navigation and answers its page with 404', async () => {
    const followers = await c.get('/admin/followers');
    expect(followers.body).to.contain('href="/admin/conversations"');
    expect(followers.body).not.to.contain('href="/admin/simulator"');
    expect(followers.body).not.to.contain('badge-sandbox');
    const panel = await c.get('/admin/simulator');
    expect(panel.status).to.equal(404);
    expect(panel.body).to.contain('sandbox mode only');
    const follow = await c.post('/admin/simulator/follow', { scene: '', openid: '', _csrf: await c.csrf() });
    expect(follow.status).to.equal(404);
    expect(server.account.followers()).to.deep.equal([]);
  });

  it('opens on the inbox', async () => {
    const res = await c.get('/admin');
    expect(res.location).to.equal('/admin/conversations');
  });
});
