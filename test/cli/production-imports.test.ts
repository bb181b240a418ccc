/**
 * Issue 9: a production start (a real WECHAT_APPID) never loads the WeChat simulator; only sandbox mode
 * does. `wxoa serve` runs in a child process with a module-load hook that records every module it loads,
 * until it answers /healthz and is stopped; the sandbox run is the control that the trace sees the simulator
 * when it is loaded.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { freePort } from '../support/server.js';
import { cliEnv, finished } from './run-cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SIMULATOR = new URL('../../src/simulator/', import.meta.url).href;
const CONSOLE_ROUTER = new URL('../../src/http/console/console-router.ts', import.meta.url).href;

/** Starts `wxoa serve` from source with `env`, waits for /healthz, stops it; the module URLs it loaded. */
async function modulesOfServe(env: Record<string, string>, dir: string): Promise<string[]> {
  const trace = join(dir, 'modules.txt');
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', './test/support/trace-modules.mjs', 'src/cli.ts', 'serve'],
    {
      cwd: ROOT,
      env: cliEnv({
        ...env,
        WXOA_TRACE_MODULES: trace,
        DATABASE_URL: `sqlite:${join(dir, 'wxoa.db')}`,
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: `http://127.0.0.1:${port}`,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exit = finished(child, 60_000);
  let exited = false;
  void exit.then(() => (exited = true)).catch(() => undefined);
  const deadline = Date.now() + 45_000;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
    if (res?.status === 200) break;
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      const result = await exit;
      throw new Error(`wxoa serve did not start:\n${result.stdout}\n${result.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGTERM');
  const result = await exit;
  expect(result.code, result.stderr).to.equal(0);
  return readFileSync(trace, 'utf8').split('\n').filter(Boolean);
}

describe('wxoa serve: what a production start loads', function () {
  this.timeout(120_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wxoa-imports-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('with a real WECHAT_APPID loads the console but no module of src/simulator/', async () => {
    const modules = await modulesOfServe(
      {
        WECHAT_APPID: 'wx1234567890abcdef',
        WECHAT_APPSECRET: 'a-real-looking-app-secret-0123456789',
        WECHAT_TOKEN: 'realtoken123',
        // Loopback and nothing listening: the start contacts no WeChat API.
        WECHAT_API_BASE: 'http://127.0.0.1:9',
        WECHAT_OPEN_BASE: 'http://127.0.0.1:9',
        ADMIN_TOKEN: 'Production-admin-token-7f3a9c1e5b',
      },
      dir,
    );
    expect(modules, 'the console was loaded (the trace works)').to.include(CONSOLE_ROUTER);
    expect(modules.filter((url) => url.startsWith(SIMULATOR))).to.deep.equal([]);
  });

  it('in sandbox mode loads the simulator (the control: the trace would see it)', async () => {
    const modules = await modulesOfServe({ ADMIN_TOKEN: 'Sandbox-admin-token-7f3a9c1e5b0d' }, dir);
    expect(modules.filter((url) => url.startsWith(SIMULATOR))).to.not.deep.equal([]);
  });
});
