/**
 * `wxoa serve` as a process (INTERFACE.md §1, §2): starts with a real WECHAT_* configuration pointing at a
 * simulator, answers /healthz, refuses a bad configuration listing every problem, and stops cleanly on
 * SIGTERM after answering the push in flight; in sandbox mode it brings its own simulator.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { openStore } from '../../src/store/index.js';
import { eventXml, openReply, readXml, signPush, type PushAccount } from '../support/push.js';
import { ADMIN_TOKEN, e2eEnv, eventually, freePort } from '../support/server.js';
import { finished, runCli, serveCli, spawnCli } from './run-cli.js';

/** Whether a GET on a new connection (no keep-alive pool) gets any answer. */
function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.once('error', () => resolve(false));
  });
}

describe('wxoa serve', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let account: SimAccount;
  let dir: string;
  let env: Record<string, string>;
  const started: ChildProcess[] = [];

  before(async () => {
    sim = await startSimulator();
    account = sim.createAccount({ mode: 'safe' });
    dir = mkdtempSync(join(tmpdir(), 'wxoa-serve-'));
    const configFile = join(dir, 'wxoa.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({ replies: { subscribe: { type: 'text', content: 'Welcome!' } } }),
    );
    env = e2eEnv(sim, account, `sqlite:${join(dir, 'wxoa.db')}`, {
      WXOA_CONFIG: configFile,
      LOG_LEVEL: 'info',
    });
  });

  afterEach(() => {
    for (const child of started.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  after(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a real account: /healthz, a welcome to a follow pushed by WeChat, the admin API', async () => {
    const server = await serveCli(env, dir);
    started.push(server.child);

    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).to.equal(200);
    expect(await health.json()).to.deep.equal({ status: 'ok' });

    account.webhookUrl = `${server.url}/wechat`;
    const follower = account.follower();
    const result = await follower.follow();
    expect(result.replyError, result.body).to.equal(undefined);
    expect(result.reply).to.include({ MsgType: 'text', Content: 'Welcome!' });
    const api = await fetch(`${server.url}/api/followers/${follower.openid}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(api.status).to.equal(200);
    expect(await api.json()).to.include({ openid: follower.openid, subscribed: true });

    server.child.kill('SIGTERM');
    expect((await server.exit).code).to.equal(0);
  });

  it('stops cleanly on a SIGTERM that arrives while it is still starting', async () => {
    // A fresh database: its migrations are logged while the server starts, before it listens. A signal sent
    // then must not kill the process mid-start (exit by signal), but stop it once started, exit code 0.
    const fresh = mkdtempSync(join(tmpdir(), 'wxoa-serve-early-'));
    try {
      const port = await freePort();
      const child = spawnCli(
        ['serve'],
        {
          ...env,
          DATABASE_URL: `sqlite:${join(fresh, 'wxoa.db')}`,
          PORT: String(port),
          HOST: '127.0.0.1',
        },
        dir,
      );
      started.push(child);
      const exit = finished(child, 60_000);
      await new Promise<void>((resolve) => {
        let seen = '';
        child.stdout?.on('data', (chunk: string) => {
          seen += chunk;
          if (seen.includes('applied database migration')) resolve();
        });
      });
      child.kill('SIGTERM');
      const result = await exit;
      expect({ code: result.code, signal: result.signal }, result.stderr).to.deep.equal({
        code: 0,
        signal: null,
      });
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('stops on SIGTERM with exit code 0 after answering the push in flight, which is stored', async () => {
    const server = await serveCli(env, dir);
    started.push(server.child);
    const push: PushAccount = {
      appid: account.appid,
      token: account.token,
      encodingAesKey: account.encodingAesKey,
    };
    const openid = 'oInFlightAtShutdown000001';
    const signed = signPush(push, eventXml({ from: openid, event: 'subscribe', to: account.ghId }), {
      mode: 'safe',
    });

    // The push's headers and half its body arrive; then the server is told to stop; then the rest arrives.
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (response += chunk));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const body = Buffer.from(signed.body, 'utf8');
    const half = Math.floor(body.length / 2);
    // `Expect: 100-continue`: Node answers `100 Continue` once it has parsed the headers, so the request is
    // known to be in flight (not an idle connection that a stopping server may drop) before the signal.
    const parsed = new Promise<void>((resolve) =>
      socket.on('data', () => response.startsWith('HTTP/1.1 100 Continue\r\n\r\n') && resolve()),
    );
    socket.write(
      `POST /wechat${signed.search} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: text/xml\r\n` +
        `Content-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
    );
    await parsed;
    socket.write(body.subarray(0, half));
    server.child.kill('SIGTERM');
    await eventually('the server says it is stopping', () => server.output().includes('stopping'), 10_000);
    // No new connection is taken any more, while the push in flight is still waiting for its body.
    await eventually(
      'new connections are refused',
      async () => !(await answers(`${server.url}/healthz`)),
      10_000,
    );
    socket.write(body.subarray(half));
    await closed;

    const [head, payload] = response.replace('HTTP/1.1 100 Continue\r\n\r\n', '').split('\r\n\r\n') as [
      string,
      string,
    ];
    expect(head).to.match(/^HTTP\/1\.1 200/);
    const reply = readXml(openReply(push, payload).xml);
    expect(reply).to.include({ MsgType: 'text', Content: 'Welcome!', ToUserName: openid });
    const exit = await server.exit;
    expect(exit.code, exit.stdout + exit.stderr).to.equal(0);

    const store = await openStore(env['DATABASE_URL']!);
    try {
      expect(await store.followers.get(account.appid, openid)).to.include({ subscribed: true });
      expect(await store.followers.events(account.appid, openid)).to.have.length(1);
    } finally {
      await store.close();
    }
  });

  it('refuses to start on a bad configuration, listing every problem at once', async () => {
    const result = await runCli(['serve'], {
      cwd: dir,
      env: {
        ...env,
        PORT: 'eighty',
        WECHAT_ENCODING_AES_KEY: `${account.encodingAesKey}=`,
        WECHAT_TOKEN: 'x',
        DATABASE_URL: 'mysql://localhost/wxoa',
      },
    });
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.contain('PORT must be an integer');
    expect(result.stderr).to.contain(
      "WECHAT_ENCODING_AES_KEY must be 43 letters or digits (got 44); copy it from the console without a trailing '='",
    );
    expect(result.stderr).to.contain('WECHAT_TOKEN');
    expect(result.stderr).to.contain('DATABASE_URL');
    expect(result.stderr).to.not.match(/\n\s+at /, 'no stack trace');
    expect(result.stderr).to.not.contain(account.appsecret);
  });

  it('refuses to start on invalid reply rules in the config file, listing every problem', async () => {
    const configFile = join(dir, 'bad.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        replies: {
          subscribe: { type: 'gif', content: 'x' },
          keywords: [{ match: 'regex', pattern: '([', reply: { type: 'text', content: 'x' } }],
        },
      }),
    );
    const result = await runCli(['serve'], { cwd: dir, env: { ...env, WXOA_CONFIG: configFile } });
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.contain('replies.subscribe');
    expect(result.stderr).to.contain('replies.keywords[0]');
    expect(result.stderr).to.not.match(/\n\s+at /, 'no stack trace');
  });

  it('exits with an error, not a hang, when its port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      // Sandbox mode: its simulator is already listening when the port turns out to be taken.
      const result = await runCli(['serve'], {
        cwd: dir,
        env: { DATABASE_URL: `sqlite:${join(dir, 'taken.db')}`, PORT: String(port), HOST: '127.0.0.1' },
        timeoutMs: 20_000,
      });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.contain('EADDRINUSE');
    } finally {
      taken.close();
    }
  });

  it('refuses a second server on a SQLite file another one serves, and starts once that one is gone', async () => {
    // One process serves a SQLite file: its retry claims are held in that process (sql-reply-store.ts), so a
    // second one would run a retried push's handlers again. Several instances take PostgreSQL.
    const lockEnv = { ...env, DATABASE_URL: `sqlite:${join(dir, 'locked.db')}` };
    const first = await serveCli(lockEnv, dir);
    started.push(first.child);
    const port = await freePort();
    const second = await runCli(['serve'], {
      cwd: dir,
      env: { ...lockEnv, PORT: String(port), HOST: '127.0.0.1' },
      timeoutMs: 20_000,
    });
    expect(second.code).to.equal(1);
    expect(second.stderr).to.contain('another wxoa server is serving');
    expect(second.stderr).to.contain('PostgreSQL');
    // Other commands still open the file while it is served.
    const sync = await runCli(['qrcode', 'list'], { cwd: dir, env: lockEnv });
    expect(sync.code, sync.stderr).to.equal(0);
    // A killed server leaves no lock behind: the operating system drops it with the process.
    first.child.kill('SIGKILL');
    await first.exit;
    const third = await serveCli(lockEnv, dir);
    started.push(third.child);
    expect(await answers(`${third.url}/healthz/live`)).to.equal(true);
  });

  it('runs in sandbox mode without WECHAT_APPID, with its own simulator and console', async () => {
    const server = await serveCli(
      {
        DATABASE_URL: `sqlite:${join(dir, 'sandbox.db')}`,
        ADMIN_TOKEN,
        LOG_LEVEL: 'warn',
      },
      dir,
    );
    started.push(server.child);
    // /healthz answers as soon as the server listens; the banner follows.
    await eventually('the banner is printed', () => server.output().includes('simulator: '));
    const simUrl = /simulator: (http:\/\/\S+)/.exec(server.output())?.[1];
    expect(simUrl, server.output()).to.be.a('string');
    expect(server.output()).to.match(/console:\s+http:\/\/\S+\/admin\/login\/\S+/);

    const appid = 'wxsandbox000000001';
    const created = await fetch(`${simUrl}/sim/accounts/${appid}/followers`, { method: 'POST' });
    const { openid } = (await created.json()) as { openid: string };
    const follow = await fetch(`${simUrl}/sim/accounts/${appid}/followers/${openid}/follow`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scene: 'spring' }),
    });
    const result = (await follow.json()) as { status: number; replyError?: string };
    expect(result.status).to.equal(200);
    expect(result.replyError).to.equal(undefined);
    const api = await fetch(`${server.url}/api/followers/${openid}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(await api.json()).to.include({ openid, subscribed: true, scene: 'spring' });

    server.child.kill('SIGTERM');
    expect((await server.exit).code).to.equal(0);
  });
});
