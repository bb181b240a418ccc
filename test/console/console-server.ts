import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { mountConsole } from '../../src/http/console/index.js';
import { sandboxConsole } from '../../src/http/console/sandbox.js';
import { SANDBOX_ACCOUNT, SANDBOX_DEMO } from '../../src/main.js';
import { createWxoa, type Wxoa, type WxoaOptions } from '../../src/server.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';

/** The admin token of test servers. */
export const ADMIN_TOKEN = 'console-test-admin-token-0123456789';

/** A wxoa server with the console on 127.0.0.1:0, its WeChat played by a real simulator. */
export interface ConsoleServer {
  origin: string;
  wxoa: Wxoa;
  sim: Simulator;
  account: SimAccount;
  /** Folder of the config file and the SQLite database. */
  dir: string;
  close(): Promise<void>;
}

/**
 * Starts the server as `startServer` does in sandbox mode (simulator, sandbox account in safe mode, console
 * mounted through `extend`), without the banner, with a config file of our own in a temp folder. With
 * `sandbox: false` the console is mounted without the simulator, as with a real WeChat account.
 */
export async function startConsoleServer(
  options: {
    sandbox?: boolean;
    configFile?: Record<string, unknown>;
    files?: Record<string, string>;
    /** Without a config file, the demo rules and menu, as `npm start` runs the sandbox. */
    demo?: boolean;
    /** More options of createWxoa (clocks, policies). */
    wxoa?: Partial<Omit<WxoaOptions, 'config' | 'extend'>>;
  } = {},
): Promise<ConsoleServer> {
  const dir = await mkdtemp(join(tmpdir(), 'wxoa-console-'));
  if (options.configFile) await writeFile(join(dir, 'wxoa.config.json'), JSON.stringify(options.configFile));
  for (const [name, text] of Object.entries(options.files ?? {})) await writeFile(join(dir, name), text);
  const config = loadConfig(
    { PORT: '0', HOST: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'wxoa.db')}`, ADMIN_TOKEN },
    dir,
  );
  const sim = await startSimulator();
  const account = sim.createAccount({
    appid: SANDBOX_ACCOUNT.appid,
    appsecret: SANDBOX_ACCOUNT.appsecret,
    token: SANDBOX_ACCOUNT.token,
    encodingAesKey: SANDBOX_ACCOUNT.encodingAesKey ?? undefined,
    mode: 'safe',
  });
  const sandbox = options.sandbox ?? true;
  const wxoa = await createWxoa({
    ...options.wxoa,
    config: Object.freeze({
      ...config,
      account: SANDBOX_ACCOUNT,
      apiBase: sim.url,
      openBase: sim.url,
      ...(options.demo && config.configFile === null
        ? { repliesInput: SANDBOX_DEMO.replies, menuInput: SANDBOX_DEMO.menu }
        : {}),
    }),
    extend: (w) => mountConsole(w, { sandbox: sandbox ? sandboxConsole(sim) : null }),
  });
  const origin = await wxoa.listen(0, '127.0.0.1');
  account.webhookUrl = `${origin}/wechat`;
  return {
    origin,
    wxoa,
    sim,
    account,
    dir,
    async close() {
      await wxoa.close();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
