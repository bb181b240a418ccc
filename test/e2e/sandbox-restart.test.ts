/**
 * Issue 10, major 1: the sandbox keeps the simulated WeChat with the data (INTERFACE.md §7). `wxoa serve`
 * in sandbox mode as a real process on a temporary data directory: follow and write through the simulator,
 * stop, start again — the simulator still knows the follower (following, same UnionID), a customer-service
 * reply from the admin API goes through (no 40003), and `wxoa sync` keeps everyone subscribed.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli } from '../cli/run-cli.js';
import { startSandbox, stopSandbox, type Sandbox } from '../support/sandbox-process.js';
import { ADMIN_TOKEN, eventually } from '../support/server.js';

const APPID = 'wxsandbox000000001';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const jsonHeaders = { 'content-type': 'application/json' };

async function simPost(sandbox: Sandbox, path: string, body: unknown = {}): Promise<Json> {
  const res = await fetch(`${sandbox.simUrl}/sim/accounts/${APPID}${path}`, {
    method: 'POST',
    headers: jsonHeaders,
    body: JSON.stringify(body),
  });
  return res.json();
}

async function apiFollower(sandbox: Sandbox, openid: string): Promise<Json> {
  const res = await fetch(`${sandbox.url}/api/followers/${openid}`, { headers: admin });
  return res.json();
}

describe('sandbox restart (issue 10): the simulated WeChat is kept with the data', function () {
  this.timeout(180_000);
  let dir: string;
  const started: ChildProcess[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wxoa-sandbox-restart-'));
  });
  afterEach(() => {
    for (const child of started.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('still knows the follower after a restart: following, same UnionID, replies work, sync keeps them', async () => {
    const first = await startSandbox(dir);
    started.push(first.child);
    const alice = (await simPost(first, '/followers')) as { openid: string; unionid: string };
    expect((await simPost(first, `/followers/${alice.openid}/follow`, { scene: 'spring' })).status).to.equal(
      200,
    );
    expect((await simPost(first, `/followers/${alice.openid}/text`, { content: 'help me' })).status).to.equal(
      200,
    );
    await eventually(
      'the server learns the UnionID',
      async () => (await apiFollower(first, alice.openid)).unionid === alice.unionid,
      20_000,
    );
    await stopSandbox(first);
    // The simulated WeChat sits next to the SQLite file, readable by its owner only.
    expect((statSync(join(dir, 'data', 'wxoa.simulator.json')).mode & 0o777).toString(8)).to.equal('600');

    const second = await startSandbox(dir);
    started.push(second.child);
    const known = (await (
      await fetch(`${second.simUrl}/sim/accounts/${APPID}/followers/${alice.openid}`)
    ).json()) as Json;
    expect(known).to.include({ openid: alice.openid, unionid: alice.unionid, subscribed: true });

    // The operator answers from the console's API: WeChat still knows the OpenID and the open window.
    const reply = await fetch(`${second.url}/api/conversations/${alice.openid}/messages`, {
      method: 'POST',
      headers: { ...admin, ...jsonHeaders },
      body: JSON.stringify({ text: 'We are on it' }),
    });
    expect(reply.status, await reply.clone().text()).to.equal(201);
    const account = (await (await fetch(`${second.simUrl}/sim/accounts/${APPID}`)).json()) as Json;
    expect(account.sentMessages.map((m: Json) => m.touser)).to.include(alice.openid);

    // A full sync against the kept world: the follower is still listed, so nobody is marked unsubscribed.
    const sync = await runCli(['sync'], {
      cwd: dir,
      timeoutMs: 60_000,
      env: {
        DATABASE_URL: 'sqlite:data/wxoa.db',
        WECHAT_APPID: APPID,
        WECHAT_APPSECRET: 'sandbox-secret-not-for-production',
        WECHAT_TOKEN: 'sandboxtoken',
        WECHAT_ENCODING_AES_KEY: 'SandboxAesKeyForLocalTestingOnly0123456789a',
        WECHAT_API_BASE: second.simUrl,
        WECHAT_OPEN_BASE: second.simUrl,
        ADMIN_TOKEN,
      },
    });
    expect(sync.code, sync.stderr).to.equal(0);
    const after = await apiFollower(second, alice.openid);
    expect(after).to.include({ subscribed: true, unionid: alice.unionid });
    await stopSandbox(second);
  });
});
