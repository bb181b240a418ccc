/**
 * The operator's day at the command line (issue 10): the CLI finds the running sandbox, asks each command
 * only for what it uses and lists every missing setting at once, refuses to publish localhost links,
 * `wxoa doctor` checks the account against the API, `wxoa serve` names the config file, the rules, a
 * missing PUBLIC_URL and the setting behind an infrastructure failure. Every command runs as a child
 * process through bin/wxoa.js.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import {
  accountEntry,
  callsTo,
  e2eEnv,
  freePort,
  startE2eServer,
  type E2eServer,
} from '../support/server.js';
import { runCli, serveCli } from './run-cli.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/menus/${name}`, import.meta.url));
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('wxoa for the operator', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let account: SimAccount;
  let dir: string;
  let env: Record<string, string>;
  const started: ChildProcess[] = [];

  before(async () => {
    sim = await startSimulator();
    account = sim.createAccount({ mode: 'safe' });
    dir = mkdtempSync(join(tmpdir(), 'wxoa-operator-'));
    env = e2eEnv(sim, account, `sqlite:${join(dir, 'wxoa.db')}`);
  });

  afterEach(() => {
    for (const child of started.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  after(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const wxoa = (args: string[], extraEnv: Record<string, string> = {}, cwd = dir) =>
    runCli(args, { env: { ...env, ...extraEnv }, cwd });

  it('prints its version', async () => {
    const result = await runCli(['--version'], { cwd: dir });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout.trim()).to.equal(VERSION);
  });

  describe('settings a command asks for', () => {
    it('creates a QR code without WECHAT_TOKEN or the AES key, which it does not use', async () => {
      const { WECHAT_TOKEN: _t, WECHAT_ENCODING_AES_KEY: _k, ...withoutToken } = env;
      const result = await runCli(['qrcode', 'create', '--scene', 'no-token'], {
        env: withoutToken,
        cwd: dir,
      });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.match(/ticket:\s+\S+/);
    });

    it('lists every missing setting at once when there is neither an account nor a running sandbox', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'wxoa-empty-'));
      try {
        const result = await runCli(['qrcode', 'create', '--scene', 'spring'], { cwd: empty });
        expect(result.code).to.equal(2);
        expect(result.stderr).to.contain('WECHAT_APPID is not set');
        expect(result.stderr).to.contain('WECHAT_APPSECRET is not set');
        expect(result.stderr).to.contain('no running sandbox');
        expect(result.stderr).to.not.contain('WECHAT_TOKEN');
      } finally {
        rmSync(empty, { recursive: true, force: true });
      }
    });

    it('refuses to export from an SQLite file that does not exist instead of creating an empty one', async () => {
      const missing = join(dir, 'elsewhere', 'wxoa.db');
      const result = await runCli(['followers', 'export'], {
        env: { DATABASE_URL: `sqlite:${missing}` },
        cwd: dir,
      });
      expect(result.code).to.equal(1);
      expect(result.stdout).to.equal('');
      expect(result.stderr).to.contain(`no database at ${missing}`);
      expect(result.stderr).to.contain('DATABASE_URL');
      expect(existsSync(join(dir, 'elsewhere'))).to.equal(false);
    });

    it('exports followers with no account configured at all', async () => {
      const result = await runCli(['followers', 'export', '--format', 'jsonl'], {
        env: { DATABASE_URL: env['DATABASE_URL']! },
        cwd: dir,
      });
      expect(result.code, result.stderr).to.equal(0);
    });
  });

  describe('menu push without PUBLIC_URL', () => {
    it('refuses a menu with oauth buttons, naming PUBLIC_URL, and sends nothing', async () => {
      sim.clearCalls();
      const result = await wxoa(['menu', 'push', fixture('valid.json')]);
      expect(result.code).to.equal(1);
      expect(result.stderr).to.contain('PUBLIC_URL is not set');
      expect(result.stderr).to.contain('"我的账户"');
      expect(result.stderr).to.contain('nothing was sent to WeChat');
      expect(callsTo(sim, '/cgi-bin/menu/create')).to.deep.equal([]);
    });

    it('pushes a menu without oauth buttons', async () => {
      const file = join(dir, 'plain-menu.json');
      writeFileSync(file, JSON.stringify({ button: [{ type: 'click', name: 'Help', key: 'MENU_HELP' }] }));
      const result = await wxoa(['menu', 'push', file]);
      expect(result.code, result.stderr).to.equal(0);
    });
  });

  describe('doctor', () => {
    let server: E2eServer;
    let port: number;
    before(async () => {
      port = await freePort();
      server = await startE2eServer({
        sim,
        account,
        databaseUrl: `sqlite:${join(dir, 'doctor.db')}`,
        port,
        env: { PUBLIC_URL: `http://127.0.0.1:${port}` },
      });
    });
    after(async () => server?.close());

    it('passes the credentials, IP and webhook checks and fails an http PUBLIC_URL, exit 1', async () => {
      const result = await wxoa(['doctor'], { PUBLIC_URL: server.url });
      expect(result.code, result.stdout + result.stderr).to.equal(1);
      expect(result.stdout).to.match(/✓ credentials: WeChat issued a fresh access_token/);
      expect(result.stdout).to.match(/✓ IP whitelist/);
      expect(result.stdout).to.match(/✓ webhook: .*answered WeChat's signed GET verification/);
      expect(result.stdout).to.match(/✗ PUBLIC_URL: .* is not https/);
      expect(result.stdout).to.contain('fix: serve wxoa behind TLS');
      expect(result.stdout).to.not.contain(account.appsecret);
    });

    it('fetches a fresh token, so a wrong AppSecret is caught even while a token is cached', async () => {
      const result = await wxoa(['doctor'], { PUBLIC_URL: server.url, WECHAT_APPSECRET: 'wrong-secret' });
      expect(result.code).to.equal(1);
      expect(result.stdout).to.match(/✗ credentials: WeChat refused the token request: 40125/);
      expect(result.stdout).to.contain('fix: copy WECHAT_APPSECRET again');
      expect(result.stdout).to.match(/- IP whitelist: not checked/);
      expect(result.stdout).to.not.contain('wrong-secret');
    });

    it('says when the webhook at PUBLIC_URL runs with another Token', async () => {
      const result = await wxoa(['doctor'], { PUBLIC_URL: server.url, WECHAT_TOKEN: 'anothertoken' });
      expect(result.code).to.equal(1);
      expect(result.stdout).to.match(/✗ webhook: .* refused the signature \(401\)/);
      expect(result.stdout).to.contain('WECHAT_TOKEN');
    });

    it('checks every configured account, each webhook at its own path', async () => {
      const extra = sim.createAccount({ mode: 'plain' });
      const port2 = await freePort();
      const second = await startE2eServer({
        sim,
        account,
        extraAccounts: [extra],
        databaseUrl: `sqlite:${join(dir, 'doctor-extra.db')}`,
        port: port2,
        env: { PUBLIC_URL: `http://127.0.0.1:${port2}` },
      });
      try {
        const file = join(dir, 'doctor-extra.config.json');
        // The extra account's Token here differs from the server's: its webhook check fails, the rest pass.
        writeFileSync(file, JSON.stringify({ accounts: [{ ...accountEntry(extra), token: 'othertoken' }] }));
        const result = await wxoa(['doctor'], { PUBLIC_URL: second.url, WXOA_CONFIG: file });
        expect(result.code).to.equal(1);
        expect(result.stdout).to.contain(`✓ credentials (${account.appid})`);
        expect(result.stdout).to.contain(`✓ credentials (${extra.appid})`);
        expect(result.stdout).to.match(new RegExp(`✓ webhook \\(${account.appid}\\): \\S+/wechat answered`));
        expect(result.stdout).to.match(
          new RegExp(`✗ webhook \\(${extra.appid}\\): \\S+/wechat/${extra.appid} refused the signature`),
        );
      } finally {
        await second.close();
      }
    });

    it('says when nothing answers at PUBLIC_URL', async () => {
      const nobody = await freePort();
      const result = await wxoa(['doctor'], { PUBLIC_URL: `https://127.0.0.1:${nobody}` });
      expect(result.code).to.equal(1);
      expect(result.stdout).to.match(/✗ webhook: nothing answered at https:\/\/127\.0\.0\.1:\d+\/wechat/);
      expect(result.stdout).to.match(/✓ PUBLIC_URL/);
    });
  });

  describe('serve', () => {
    it('refuses a config file with a misspelt key, naming it with the nearest known key', async () => {
      const file = join(dir, 'typo.config.json');
      writeFileSync(file, JSON.stringify({ reples: { subscribe: { type: 'text', content: 'Hi' } } }));
      const result = await runCli(['serve'], {
        cwd: dir,
        env: { DATABASE_URL: `sqlite:${join(dir, 'typo.db')}`, WXOA_CONFIG: file, LOG_LEVEL: 'warn' },
      });
      expect(result.code).to.equal(2);
      expect(result.stderr).to.contain('reples: unknown key (did you mean "replies"?)');
      expect(existsSync(join(dir, 'typo.db')), 'no database is created').to.equal(false);
    });

    it('prints the config file and the rules it loaded, and warns that PUBLIC_URL is not set', async () => {
      const file = join(dir, 'rules.config.json');
      writeFileSync(
        file,
        JSON.stringify({
          replies: {
            subscribe: { type: 'text', content: 'Welcome!' },
            keywords: [{ match: 'exact', pattern: 'hi', reply: { type: 'text', content: 'Hello' } }],
          },
        }),
      );
      const { PUBLIC_URL: _p, ...withoutPublicUrl } = env;
      const server = await serveCli(
        { ...withoutPublicUrl, WXOA_CONFIG: file, DATABASE_URL: `sqlite:${join(dir, 'serve.db')}` },
        dir,
      );
      started.push(server.child);
      expect(server.output()).to.contain(`config:    ${file} (2 reply rules loaded)`);
      expect(server.output()).to.contain(`created a new database at ${join(dir, 'serve.db')}`);
      expect(server.output()).to.contain('warning: PUBLIC_URL is not set');
      server.child.kill('SIGTERM');
      expect((await server.exit).code).to.equal(0);

      const again = await serveCli(
        {
          ...env,
          WXOA_CONFIG: file,
          DATABASE_URL: `sqlite:${join(dir, 'serve.db')}`,
          PUBLIC_URL: 'https://wx.example.com',
        },
        dir,
      );
      started.push(again.child);
      expect(again.output()).to.contain(`data:      ${join(dir, 'serve.db')}`);
      expect(again.output()).to.not.contain('created a new database');
      expect(again.output()).to.not.contain('PUBLIC_URL is not set');
      again.child.kill('SIGTERM');
      await again.exit;
    });

    it('names PostgreSQL and DATABASE_URL when the database refuses the connection', async () => {
      const closed = await freePort();
      const result = await wxoa(['serve'], { DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/wxoa` });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.contain(`PostgreSQL at 127.0.0.1:${closed}/wxoa refused the connection`);
      expect(result.stderr).to.contain('DATABASE_URL');

      const exported = await runCli(['followers', 'export'], {
        cwd: dir,
        env: { DATABASE_URL: `postgres://postgres:pw@127.0.0.1:${closed}/wxoa` },
      });
      expect(exported.code).to.equal(1);
      expect(exported.stderr).to.contain('refused the connection');
      expect(exported.stderr).to.not.contain(':pw@');
    });

    it('names PORT when the port is taken, before creating the database', async () => {
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = taken.address() as AddressInfo;
        const db = join(dir, 'port-taken.db');
        const result = await wxoa(['serve'], { DATABASE_URL: `sqlite:${db}`, PORT: String(port) });
        expect(result.code).to.equal(1);
        expect(result.stderr).to.contain(`port ${port} on 127.0.0.1 is already in use (EADDRINUSE)`);
        expect(result.stderr).to.contain('set PORT');
        expect(existsSync(db), 'no database is created').to.equal(false);
      } finally {
        taken.close();
      }
    });

    it('shows the SQLite path it cannot write', async () => {
      const blocker = join(dir, 'a-file');
      writeFileSync(blocker, '');
      const path = join(blocker, 'wxoa.db');
      const result = await wxoa(['serve'], { DATABASE_URL: `sqlite:${path}` });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.contain(`cannot write the SQLite database at ${path}`);
      expect(result.stderr).to.contain('DATABASE_URL');
    });
  });

  describe('the sandbox, from another terminal', () => {
    it('is found by commands in the same folder, printed as export lines, and forgotten on a clean stop', async () => {
      const home = mkdtempSync(join(tmpdir(), 'wxoa-sandbox-'));
      try {
        const server = await serveCli({ LOG_LEVEL: 'warn' }, home);
        started.push(server.child);
        expect(server.output()).to.contain(
          'config:    no config file: demo rules (5 reply rules) and the demo menu',
        );
        expect(server.output()).to.contain(`created a new database at ${join(home, 'data', 'wxoa.db')}`);
        const state = join(home, 'data', 'sandbox.json');
        expect(statSync(state).mode & 0o777).to.equal(0o600);

        const qr = await runCli(['qrcode', 'create', '--scene', 'spring', '--json'], { cwd: home });
        expect(qr.code, qr.stderr).to.equal(0);
        const simUrl = /simulator: (http:\/\/\S+)/.exec(server.output())![1]!;
        expect((JSON.parse(qr.stdout) as { imageUrl: string }).imageUrl.startsWith(simUrl)).to.equal(true);

        const doctor = await runCli(['doctor'], { cwd: home });
        expect(doctor.code, doctor.stdout + doctor.stderr).to.equal(0);
        expect(doctor.stdout).to.match(/✓ webhook: http:\/\/\S+\/wechat answered/);

        const exports = await runCli(['sandbox', 'env'], { cwd: home });
        expect(exports.code, exports.stderr).to.equal(0);
        expect(exports.stdout).to.contain(`export WECHAT_API_BASE='${simUrl}'`);
        expect(exports.stdout).to.contain("export WECHAT_APPID='wxsandbox000000001'");

        server.child.kill('SIGTERM');
        expect((await server.exit).code).to.equal(0);
        expect(existsSync(state), 'the state file is removed').to.equal(false);
        const after = await runCli(['sandbox', 'env'], { cwd: home });
        expect(after.code).to.equal(1);
        expect(after.stderr).to.contain('no running sandbox');
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });
  });
});
