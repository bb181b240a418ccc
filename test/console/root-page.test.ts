/** `GET /` leads to the console (issue 10: it answered a bare 404). */
import { expect } from 'chai';
import { ConsoleClient } from './console-client.js';
import { ADMIN_TOKEN, startConsoleServer, type ConsoleServer } from './console-server.js';

describe('GET /', () => {
  let server: ConsoleServer;
  before(async () => {
    server = await startConsoleServer({ sandbox: false });
  });
  after(async () => server?.close());

  it('redirects to the console, which asks a visitor without a session to log in', async () => {
    const browser = new ConsoleClient(server.origin);
    const root = await browser.get('/');
    expect(root.status).to.equal(302);
    expect(root.location).to.equal('/admin');
    const admin = await browser.get(root.location!);
    expect(admin.location).to.match(/^\/admin\/login/);

    await browser.login(ADMIN_TOKEN);
    expect((await browser.get('/')).location).to.equal('/admin');
  });

  it('leaves the other paths alone', async () => {
    const res = await fetch(`${server.origin}/healthz`);
    expect(res.status).to.equal(200);
    expect((await fetch(`${server.origin}/`, { method: 'POST' })).status).to.equal(404);
  });
});
