import { readFile } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join, parse } from 'node:path';
import { ConfigError, type AccountConfig, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { expandMenu } from './menu/expand-menu.js';
import { renderMenuText } from './menu/render-menu.js';
import { parseMenu } from './menu/validate-menu.js';
import type { Wxoa } from './server.js';
import type { Simulator } from './simulator/index.js';
import { parseDatabaseUrl } from './store/database-url.js';
import { WechatApi, type TokenStore } from './wechat-api/index.js';

/**
 * The commands behind `wxoa …` (cli.ts parses the arguments; this wires the modules together). The server,
 * the store drivers and the follower modules are imported by the commands that use them: `wxoa menu
 * validate` should not load Koa, PostgreSQL and the whole server first.
 */

/** The sandbox account: fixed, so a restart finds the followers it stored before (INTERFACE.md §7). */
export const SANDBOX_ACCOUNT: AccountConfig = Object.freeze({
  appid: 'wxsandbox000000001',
  appsecret: 'sandbox-secret-not-for-production',
  token: 'sandboxtoken',
  encodingAesKey: 'SandboxAesKeyForLocalTestingOnly0123456789a',
});

/** Seed of the sandbox's derived ids (simulator/ids.ts): the n-th person always gets the same ids. */
const SANDBOX_SEED = 'wxoa-sandbox';

/**
 * Where the sandbox keeps its simulated WeChat (INTERFACE.md §7): next to the SQLite file, named after it
 * (`data/wxoa.db` → `data/wxoa.simulator.json`); with PostgreSQL `data/simulator.json` under the working
 * directory; nowhere for `sqlite::memory:`, whose data does not outlive the process either.
 */
export function sandboxStateFile(databaseUrl: string): string | undefined {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind === 'postgres') return join('data', 'simulator.json');
  if (target.path === ':memory:') return undefined;
  const { dir, name } = parse(target.path);
  return join(dir, `${name}.simulator.json`);
}

/**
 * Sandbox mode without a config file answers with these rules and shows this menu, so a newcomer's first
 * follow, message and click get a reply (issue 6); any wxoa.config.json replaces both.
 */
export const SANDBOX_DEMO = Object.freeze({
  replies: {
    subscribe: {
      type: 'text',
      content: "Welcome to the wxoa sandbox! Send 'hello', or ask about the price.",
    },
    scenes: { spring: { type: 'text', content: 'Welcome, spring visitor' } },
    keywords: [
      {
        match: 'exact',
        pattern: 'hello',
        ignoreCase: true,
        reply: { type: 'text', content: 'Hi! This reply comes from a keyword rule.' },
      },
      {
        match: 'contains',
        pattern: 'price',
        ignoreCase: true,
        reply: {
          type: 'news',
          articles: [
            {
              title: 'Prices',
              description: 'A news reply with one article',
              url: 'https://example.com/prices',
            },
          ],
        },
      },
    ],
    clicks: {
      MENU_HELP: {
        type: 'text',
        content: 'How can we help? Write your question; an operator answers from the console.',
      },
    },
    default: null,
  },
  menu: {
    button: [
      { type: 'click', name: 'Help', key: 'MENU_HELP' },
      { type: 'view', name: 'My account', oauth: { scope: 'snsapi_base', target: '/oauth/whoami' } },
    ],
  },
});

/** `wxoa serve`: the server, with the simulator beside it in sandbox mode; stops cleanly on SIGTERM/SIGINT. */
export async function runServeCommand(config: Config): Promise<void> {
  const logger = createLogger({ level: config.logLevel, pretty: Boolean(process.stdout.isTTY) });
  const running = await startServer(config, logger);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: answering pushes in flight, keeping pending work for the next start');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await running.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

/** A started server (and simulator in sandbox mode). */
export interface RunningServer {
  wxoa: Wxoa;
  url: string;
  simulatorUrl: string | null;
  close(): Promise<void>;
}

/** Starts the server; in sandbox mode first starts the simulator and points the configuration at it. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  if (config.port === 0) {
    // PORT=0 picks a free port; it must be known before the app is built, because OAuth redirect URIs and
    // menu links are made from PUBLIC_URL, whose default names the port.
    const port = await freePort(config.host);
    const publicUrl =
      config.publicUrl === 'http://localhost:0' ? `http://localhost:${port}` : config.publicUrl;
    config = Object.freeze({ ...config, port, publicUrl });
  }
  let effective = config;
  let simulator: Simulator | null = null;
  if (config.sandbox) {
    const { startSimulator } = await import('./simulator/index.js');
    simulator = await startSimulator({
      host: '127.0.0.1',
      port: 0,
      logger: logger.child({ module: 'simulator' }),
      stateFile: sandboxStateFile(config.databaseUrl),
      seed: SANDBOX_SEED,
    });
    // A kept world already has the account, with its followers.
    if (!simulator.accounts.some((a) => a.appid === SANDBOX_ACCOUNT.appid)) {
      simulator.createAccount({
        appid: SANDBOX_ACCOUNT.appid,
        appsecret: SANDBOX_ACCOUNT.appsecret,
        token: SANDBOX_ACCOUNT.token,
        encodingAesKey: SANDBOX_ACCOUNT.encodingAesKey ?? undefined,
        mode: 'safe',
      });
    }
    effective = Object.freeze({
      ...config,
      account: SANDBOX_ACCOUNT,
      apiBase: simulator.url,
      openBase: simulator.url,
      ...(config.configFile === null
        ? { repliesInput: SANDBOX_DEMO.replies, menuInput: SANDBOX_DEMO.menu }
        : {}),
    });
  }
  let wxoa: Wxoa | null = null;
  let url: string;
  try {
    const { createWxoa } = await import('./server.js');
    const { mountConsole } = await import('./http/console/index.js');
    // The simulator panel only in sandbox mode: a production start must not load the simulator.
    const sandbox = simulator ? (await import('./http/console/sandbox.js')).sandboxConsole(simulator) : null;
    wxoa = await createWxoa({
      config: effective,
      logger,
      extend: (w) => mountConsole(w, { sandbox }),
    });
    url = await wxoa.listen();
  } catch (err) {
    // A port in use or an unreachable database: release what did start (the simulator's server, the store's
    // pool), or they would keep the process alive after the error was printed.
    await wxoa?.close().catch(() => undefined);
    await simulator?.close().catch(() => undefined);
    throw err;
  }
  const running = wxoa;
  const port = new URL(url).port;
  const publicUrl = config.publicUrl;
  if (simulator) {
    simulator.account(SANDBOX_ACCOUNT.appid).webhookUrl = `http://127.0.0.1:${port}/wechat`;
  }
  printBanner(effective, {
    url: publicUrl,
    simulatorUrl: simulator?.url ?? null,
    simulatorState: simulator ? sandboxStateFile(config.databaseUrl) : undefined,
    loginUrl: await consoleLoginUrl(running, publicUrl),
  });
  return {
    wxoa: running,
    url,
    simulatorUrl: simulator?.url ?? null,
    async close() {
      await running.close();
      await simulator?.close();
    },
  };
}

/** A port free on `host` right now. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function consoleLoginUrl(wxoa: Wxoa, publicUrl: string): Promise<string> {
  const { createLoginLink } = await import('./http/console/index.js');
  return createLoginLink(wxoa, publicUrl);
}

function printBanner(
  config: Config,
  where: { url: string; simulatorUrl: string | null; simulatorState?: string | undefined; loginUrl: string },
): void {
  const lines = [
    '',
    `wxoa is serving on ${where.url}`,
    `  console:   ${where.loginUrl}   (one-time login link)`,
    `  webhook:   ${where.url}/wechat`,
    `  admin API: ${where.url}/api  (Authorization: Bearer ${config.adminTokenGenerated ? config.adminToken : '$ADMIN_TOKEN'})`,
    `  data:      ${config.databaseUrl.replace(/:[^:@/]*@/, ':***@')}`,
  ];
  if (where.simulatorUrl) {
    lines.push(
      '',
      'Sandbox mode: no WECHAT_APPID is set, so a simulated WeChat platform runs beside the server',
      `  simulator: ${where.simulatorUrl} (account ${config.account?.appid}, safe mode)`,
      ...(where.simulatorState
        ? [
            `  kept in:   ${where.simulatorState} (the simulated WeChat; remove it with the database to start over)`,
          ]
        : []),
      '  open the console and use the Simulator page to follow, scan, send text and click as a follower.',
    );
  }
  process.stdout.write(lines.join('\n') + '\n\n');
}

function accountOf(config: Config, appid?: string): AccountConfig {
  const all = config.account ? [config.account, ...config.extraAccounts] : config.extraAccounts;
  const account = appid ? all.find((a) => a.appid === appid) : all[0];
  if (!account) {
    throw new ConfigError([
      appid
        ? `no configured account has the AppID ${appid}`
        : 'this command needs WECHAT_APPID and WECHAT_APPSECRET',
    ]);
  }
  return account;
}

function apiOf(config: Config, account: AccountConfig, tokenStore?: TokenStore) {
  return new WechatApi({
    appid: account.appid,
    appsecret: account.appsecret,
    apiBase: config.apiBase,
    ...(tokenStore ? { tokenStore } : {}),
  });
}

/** `wxoa sync`. */
export async function runSyncCommand(config: Config, opts: { appid?: string }): Promise<number> {
  const account = accountOf(config, opts.appid);
  const { openStore } = await import('./store/index.js');
  const { syncFollowers } = await import('./followers/sync.js');
  const { createSyncProgress } = await import('./followers/sync-progress.js');
  const store = await openStore(config.databaseUrl);
  const progress = createSyncProgress();
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    const result = await syncFollowers({
      store,
      api: apiOf(config, account, store.tokens),
      appid: account.appid,
      onProgress: (p) => progress.update(p),
      signal: abort.signal,
    });
    progress.stop();
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (err) {
    progress.stop();
    if (abort.signal.aborted) {
      process.stderr.write('sync interrupted; run `wxoa sync` again to resume where it stopped\n');
      return 130;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    await store.close();
  }
}

async function readJsonFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/** `wxoa menu validate FILE`: every problem with its JSON path; exit code 1 if any. */
export async function runMenuValidate(file: string, publicUrl?: string): Promise<number> {
  const result = parseMenu(await readJsonFile(file), publicUrl ? { publicUrl } : {});
  if ('problems' in result) {
    process.stderr.write(`${file}: ${result.problems.length} problem(s)\n`);
    for (const p of result.problems) process.stderr.write(`  ${p.path || '(root)'}: ${p.message}\n`);
    return 1;
  }
  process.stdout.write(`${file}: valid\n${renderMenuText(result.menu)}\n`);
  return 0;
}

/** `wxoa menu push FILE`: validate, expand OAuth buttons, menu/create. Nothing is sent for an invalid menu. */
export async function runMenuPush(config: Config, file: string): Promise<number> {
  const result = parseMenu(await readJsonFile(file), { publicUrl: config.publicUrl });
  if ('problems' in result) {
    process.stderr.write(`${file}: ${result.problems.length} problem(s); nothing was sent to WeChat\n`);
    for (const p of result.problems) process.stderr.write(`  ${p.path || '(root)'}: ${p.message}\n`);
    return 1;
  }
  const menu = expandMenu(result.menu, config.publicUrl);
  await apiOf(config, accountOf(config)).createMenu({ button: [...menu.button] });
  process.stdout.write(`menu pushed: WeChat answered ok\n${renderMenuText(menu)}\n`);
  return 0;
}

/** `wxoa menu show`. */
export async function runMenuShow(config: Config, opts: { json?: boolean }): Promise<number> {
  const menu = await apiOf(config, accountOf(config)).getMenu();
  if (menu === null) {
    process.stdout.write('no menu is set\n');
    return 0;
  }
  const live = (menu as { menu?: { button: [] } }).menu ?? (menu as { button: [] });
  process.stdout.write(
    opts.json
      ? `${JSON.stringify(menu, null, 2)}\n`
      : `${renderMenuText(live, { publicUrl: config.publicUrl })}\n`,
  );
  return 0;
}

/** `wxoa qrcode create`. */
export async function runQrcodeCreate(
  config: Config,
  opts: { scene: string; permanent?: boolean; expire: string; json?: boolean },
): Promise<number> {
  const scene = /^\d+$/.test(opts.scene) ? Number(opts.scene) : opts.scene;
  const expire = Number(opts.expire);
  const qr = await apiOf(config, accountOf(config)).createQrCode({
    scene,
    ...(opts.permanent ? { permanent: true } : { expireSeconds: expire }),
  });
  if (opts.json) process.stdout.write(`${JSON.stringify(qr)}\n`);
  else {
    process.stdout.write(
      `ticket:   ${qr.ticket}\nurl:      ${qr.url}\nimage:    ${qr.imageUrl}\nexpires:  ${
        qr.expireSeconds === null ? 'never (permanent)' : `in ${qr.expireSeconds} s`
      }\n`,
    );
  }
  return 0;
}

/** `wxoa followers export`. */
export async function runFollowersExport(
  config: Config,
  opts: { format: 'csv' | 'jsonl'; appid?: string },
): Promise<number> {
  const { openStore } = await import('./store/index.js');
  const { exportFollowers } = await import('./followers/export.js');
  const store = await openStore(config.databaseUrl);
  try {
    await exportFollowers(store.followers, { format: opts.format, appid: opts.appid, out: process.stdout });
    return 0;
  } finally {
    await store.close();
  }
}
