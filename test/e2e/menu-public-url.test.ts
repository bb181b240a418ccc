/**
 * Without PUBLIC_URL, a real account's menu with `oauth` buttons is not pushed from the console either
 * (INTERFACE.md §2: it would publish localhost links to real followers). The real server with the console,
 * the simulator over HTTP.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { mountConsole } from '../../src/http/console/index.js';
import { createWxoa, type Wxoa } from '../../src/server.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { ConsoleClient } from '../console/console-client.js';
import { ADMIN_TOKEN, callsTo, e2eEnv } from '../support/server.js';

const MENU = {
  button: [
    { type: 'click', name: 'Help', key: 'MENU_HELP' },
    { type: 'view', name: 'My account', oauth: { scope: 'snsapi_base', target: '/account' } },
  ],
};

describe('console menu push without PUBLIC_URL', function () {
  this.timeout(20_000);
  let sim: Simulator;
  let dir: string;
  let wxoa: Wxoa | undefined;

  before(async () => {
    sim = await startSimulator();
    dir = mkdtempSync(join(tmpdir(), 'wxoa-menu-url-'));
  });
  after(async () => {
    await wxoa?.close();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to push oauth buttons that would link to localhost, naming PUBLIC_URL', async () => {
    const account = sim.createAccount({ mode: 'plain' });
    const file = join(dir, 'wxoa.config.json');
    writeFileSync(file, JSON.stringify({ menu: MENU }));
    const config = loadConfig(
      e2eEnv(sim, account, `sqlite:${join(dir, 'wxoa.db')}`, { WXOA_CONFIG: file }),
      dir,
    );
    expect(config.publicUrlSet).to.equal(false);
    wxoa = await createWxoa({ config, extend: (w) => mountConsole(w, { sandbox: null }) });
    const url = await wxoa.listen(0, '127.0.0.1');
    const browser = new ConsoleClient(url);
    await browser.login(ADMIN_TOKEN);

    const pushed = await browser.post('/admin/menu/push', { _csrf: await browser.csrf('/admin/menu') });
    expect(pushed.status).to.equal(409);
    expect(pushed.markup).to.contain('PUBLIC_URL is not set');
    expect(pushed.markup).to.contain('My account');
    expect(callsTo(sim, '/cgi-bin/menu/create', account.appid)).to.deep.equal([]);
    expect(account.menu).to.equal(null);
  });
});
