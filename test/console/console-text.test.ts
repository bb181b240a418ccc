import { expect } from 'chai';
import { ConsoleClient } from './console-client.js';
import { ADMIN_TOKEN, startConsoleServer, type ConsoleServer } from './console-server.js';

/** Issue 10, "Text": what a new operator reads on a sandbox started without a config file. */
describe('console text on a fresh sandbox without a config file', () => {
  let server: ConsoleServer;
  let c: ConsoleClient;

  before(async () => {
    server = await startConsoleServer({ demo: true });
    c = new ConsoleClient(server.origin);
    await c.login(ADMIN_TOKEN);
  });

  after(async () => {
    await server?.close();
  });

  for (const path of [
    '/admin',
    '/admin/followers',
    '/admin/conversations',
    '/admin/conversations?unanswered=1',
    '/admin/campaigns',
    '/admin/menu',
    '/admin/simulator',
  ]) {
    it(`shows no literal backticks on ${path} (commands are set as code)`, async () => {
      const page = await c.get(path);
      expect(page.status).to.be.oneOf([200, 302]);
      // The escaper writes a backtick as &#96;: one in the page is Markdown that was never rendered.
      expect(page.body).not.to.contain('&#96;');
      expect(page.body).not.to.contain('`');
    });
  }

  it('says the empty Followers page is waiting for follows or a sync, with the command as code', async () => {
    const page = await c.get('/admin/followers');
    expect(page.markup).to.contain('after<code>wxoa sync</code>)');
    expect(page.markup).to.contain('<strong data-count="total">0</strong>followers');
  });

  it('calls the menu the demo menu, not the config file’s', async () => {
    const page = await c.get('/admin/menu');
    expect(page.status).to.equal(200);
    expect(page.markup).to.contain('data-menu-source="demo"');
    expect(page.markup).to.contain('The demo menu: there is no config file.');
    expect(page.markup).not.to.contain('in the config file');
  });
});
