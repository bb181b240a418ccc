/**
 * Issue 13: `npm start` without an account shows component mode too. `wxoa serve` in sandbox mode as a real
 * process: the sandbox platform gets its ticket, the operator connects the second sandbox account through the
 * simulated authorization page, its follower is answered through the platform, and after a restart the
 * authorization, the ticket and the refresh token are still there (no re-authorization). The direct sandbox
 * account keeps working beside it.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Browser } from '../support/hand-browser.js';
import { startSandbox, stopSandbox, type Sandbox } from '../support/sandbox-process.js';
import { ADMIN_TOKEN, eventually } from '../support/server.js';

const DIRECT = 'wxsandbox000000001';
const CONNECTED = 'wxsandbox000000002';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function api(
  sandbox: Sandbox,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${sandbox.url}${path}`, {
    ...init,
    headers: { ...admin, 'content-type': 'application/json' },
  });
  return { status: res.status, body: await res.json() };
}

async function sim(sandbox: Sandbox, path: string, body: unknown = {}): Promise<Json> {
  const res = await fetch(`${sandbox.simUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

describe('sandbox: component mode beside the direct sandbox account (issue 13)', function () {
  this.timeout(180_000);
  let dir: string;
  const started: ChildProcess[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wxoa-sandbox-component-'));
  });
  afterEach(() => {
    for (const child of started.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('connects the sandbox account through the platform, and keeps it across a restart', async () => {
    const first = await startSandbox(dir);
    started.push(first.child);
    await eventually('the sandbox platform has its ticket', async () => {
      return typeof (await api(first, '/api/component')).body.ticketReceivedAt === 'string';
    });

    // The Simulator page offers to connect an account through the platform.
    const login = /console:\s+(http:\/\/\S+)/.exec(first.output())?.[1] ?? '';
    const browser = new Browser();
    expect((await browser.get(login.replace(/^http:\/\/localhost:/, 'http://127.0.0.1:'))).status).to.equal(
      302,
    );
    const simulatorPage = await browser.get(`${first.url}/admin/simulator`);
    expect(simulatorPage.body).to.contain('href="/component/authorize?authType=1"');

    // The Accounts page's button: WeChat's (simulated) authorization page, which offers the account first.
    const start = await fetch(`${first.url}/component/authorize?authType=1`, {
      headers: admin,
      redirect: 'manual',
    });
    expect(start.status).to.equal(302);
    const pageUrl = new URL(start.headers.get('location') ?? '');
    const page = await (await fetch(pageUrl)).text();
    expect(page.indexOf(CONNECTED)).to.be.greaterThan(-1).and.lessThan(page.indexOf(DIRECT));
    const form = new URLSearchParams({
      component_appid: pageUrl.searchParams.get('component_appid') ?? '',
      pre_auth_code: pageUrl.searchParams.get('pre_auth_code') ?? '',
      redirect_uri: pageUrl.searchParams.get('redirect_uri') ?? '',
      appid: CONNECTED,
    });
    for (const id of [1, 2, 3, 4, 15]) form.append('func_info', String(id));
    const confirmed = await fetch(`${first.simUrl}/cgi-bin/componentloginpage/confirm`, {
      method: 'POST',
      body: form.toString(),
      redirect: 'manual',
    });
    const callback = confirmed.headers.get('location') ?? '';
    const back = await fetch(callback, { redirect: 'manual' });
    // The push may have exchanged the code first: the callback then says it was used (400), else 302.
    expect([302, 400]).to.include(back.status);
    await eventually('the account is connected', async () => {
      const list = (await api(first, '/api/authorizers')).body.authorizers as Json[];
      return list.some((a) => a.appid === CONNECTED && a.authorized);
    });

    expect((await browser.get(`${first.url}/admin/simulator`)).body).to.contain(
      `/admin/simulator?appid=${CONNECTED}`,
    );
    const alice = await sim(first, `/sim/accounts/${CONNECTED}/followers`);
    const followed = await sim(first, `/sim/accounts/${CONNECTED}/followers/${alice.openid}/follow`);
    expect(followed.status).to.equal(200);
    expect(followed.replyError ?? null).to.equal(null);
    // The direct account is untouched.
    const bob = await sim(first, `/sim/accounts/${DIRECT}/followers`);
    expect((await sim(first, `/sim/accounts/${DIRECT}/followers/${bob.openid}/follow`)).status).to.equal(200);

    await stopSandbox(first);

    const second = await startSandbox(dir);
    started.push(second.child);
    const list = (await api(second, '/api/authorizers')).body.authorizers as Json[];
    expect(list.find((a) => a.appid === CONNECTED)).to.include({ authorized: true, hasRefreshToken: true });
    // A token WeChat rejects is renewed with the kept refresh token: no re-authorization.
    await sim(second, `/sim/accounts/${CONNECTED}/invalidate-tokens`);
    const hello = await sim(second, `/sim/accounts/${CONNECTED}/followers/${alice.openid}/text`, {
      content: 'hello',
    });
    expect(hello.status).to.equal(200);
    const sent = await api(second, `/api/conversations/${alice.openid}/messages?appid=${CONNECTED}`, {
      method: 'POST',
      body: JSON.stringify({ text: 'still connected' }),
    });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(201);
    await stopSandbox(second);
  });
});
