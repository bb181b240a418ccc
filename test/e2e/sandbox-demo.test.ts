/**
 * Sandbox mode without a config file (issue 6): the newcomer's first follow, message and click get replies
 * from the built-in demo rules, and the demo menu is configured; a config file replaces both.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { SANDBOX_ACCOUNT, startServer, type RunningServer } from '../../src/main.js';

/** Acts as a new simulated follower of the sandbox account through the simulator's control API. */
async function act(sim: string, path: string, body: unknown = {}): Promise<Record<string, unknown>> {
  const res = await fetch(`${sim}/sim/accounts/${SANDBOX_ACCOUNT.appid}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, path).to.be.oneOf([200, 201]);
  return (await res.json()) as Record<string, unknown>;
}

async function newFollower(sim: string): Promise<string> {
  return String((await act(sim, '/followers')).openid);
}

describe('sandbox mode without a config file', () => {
  const dirs: string[] = [];
  const servers: RunningServer[] = [];

  async function start(configFile?: unknown): Promise<RunningServer> {
    const dir = mkdtempSync(join(tmpdir(), 'wxoa-sandbox-'));
    dirs.push(dir);
    if (configFile !== undefined) writeFileSync(join(dir, 'wxoa.config.json'), JSON.stringify(configFile));
    const config = loadConfig(
      {
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: `sqlite:${join(dir, 'wxoa.db')}`,
        ADMIN_TOKEN: 'sandbox-demo-admin-token',
      },
      dir,
    );
    // startServer prints its banner; keep the test output readable.
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    const running = await startServer(config, silentLogger).finally(() => {
      process.stdout.write = write;
    });
    servers.push(running);
    return running;
  }

  after(async () => {
    for (const s of servers) await s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('answers a follow through the spring scene, a hello and a menu click from the demo rules', async () => {
    const running = await start();
    const sim = running.simulatorUrl!;
    const openid = await newFollower(sim);
    const follow = await act(sim, `/followers/${openid}/follow`, { scene: 'spring' });
    expect(follow.reply).to.include({ MsgType: 'text', Content: 'Welcome, spring visitor' });
    const hello = await act(sim, `/followers/${openid}/text`, { content: 'Hello' });
    expect(hello.reply).to.include({ Content: 'Hi! This reply comes from a keyword rule.' });
    const click = await act(sim, `/followers/${openid}/click`, { key: 'MENU_HELP' });
    expect(String((click.reply as Record<string, unknown>).Content)).to.match(/^How can we help\?/);
    expect(running.wxoa.config.menuInput).to.have.property('button').with.length(2);
  });

  it('uses the config file instead when there is one', async () => {
    const running = await start({ replies: { subscribe: { type: 'text', content: 'Own welcome' } } });
    const sim = running.simulatorUrl!;
    const openid = await newFollower(sim);
    const follow = await act(sim, `/followers/${openid}/follow`, { scene: 'spring' });
    expect(follow.reply).to.include({ Content: 'Own welcome' });
    expect(running.wxoa.config.menuInput).to.equal(null);
  });
});
