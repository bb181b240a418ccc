import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { ConfigError, type AccountConfig, type AppConfig, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { expandMenu } from './menu/expand-menu.js';
import { oauthButtonNames } from './menu/oauth-buttons.js';
import { renderMenuText } from './menu/render-menu.js';
import { parseMenu } from './menu/validate-menu.js';
import type { ReplyRules } from './replies/reply-rules.js';
import {
  removeSandboxState,
  sandboxStateFile,
  sandboxStatePath,
  withRunningSandbox,
  writeSandboxState,
} from './sandbox-state.js';
import type { Wxoa } from './server.js';
import type { Simulator } from './simulator/index.js';
import { assertPortFree, databaseLocation, explainDatabaseError, StartupError } from './startup-errors.js';
import { parseDatabaseUrl } from './store/database-url.js';
import type { ServeLock, Store } from './store/index.js';
import { apiFailureRecorder, WechatApi } from './wechat-api/index.js';

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

/**
 * The sandbox Open Platform's other apps (INTERFACE.md §8): one of each type, bound like the sandbox
 * account, so a simulated person has one UnionID across all four. Fixed, like the account.
 */
export const SANDBOX_APPS: readonly AppConfig[] = Object.freeze([
  {
    type: 'miniprogram',
    appid: 'wxsandboxminiapp01',
    appsecret: 'sandbox-mini-secret',
    name: 'Sandbox Mini Program',
  },
  { type: 'website', appid: 'wxsandboxwebsite01', appsecret: 'sandbox-web-secret', name: 'Sandbox website' },
  {
    type: 'mobile',
    appid: 'wxsandboxmobileap1',
    appsecret: 'sandbox-mobile-secret',
    name: 'Sandbox mobile app',
  },
] as const);

/** Seed of the sandbox's derived ids (simulator/ids.ts): the n-th person always gets the same ids. */
const SANDBOX_SEED = 'wxoa-sandbox';

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
  // The signals are taken before the server starts: one that arrives while it starts (migrations, the
  // simulator, the banner) stops it once started, instead of killing the process halfway.
  let running: RunningServer | null = null;
  let stopping = false;
  const close = async (server: RunningServer) => {
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await server.close();
    process.exit(0);
  };
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: answering pushes in flight, keeping pending work for the next start');
    if (running !== null) await close(running); // else still starting: closed below, once started
  };
  const onTerm = () => void stop('SIGTERM');
  const onInt = () => void stop('SIGINT');
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  try {
    running = await startServer(config, logger);
  } catch (err) {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    throw err;
  }
  if (stopping) await close(running);
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
  // Before the database is created or the simulator started: a taken port is the likelier mistake.
  await assertPortFree(config.port, config.host);
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
  const { openStore, acquireServeLock, ServeLockError } = await import('./store/index.js');
  let serveLock: ServeLock | undefined;
  let createdDatabase = false;
  let store: Store;
  try {
    // One server per SQLite file (serve-lock.ts says why); taken before the simulator's state is touched.
    serveLock = acquireServeLock(config.databaseUrl);
    store = await openStore(config.databaseUrl, {
      logger,
      onMigrated: (applied) => (createdDatabase = applied.includes(1)),
    });
  } catch (err) {
    serveLock?.release();
    if (err instanceof ServeLockError) throw err;
    throw explainDatabaseError(err, config.databaseUrl);
  }
  const heldLock = serveLock;
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
    // The config file's own apps, when it names some, are real ones: the sandbox adds its apps only otherwise.
    const apps = config.apps.length > 0 ? config.apps : [...SANDBOX_APPS];
    for (const a of config.apps.length > 0 ? [] : SANDBOX_APPS) {
      if (!simulator.apps.some((x) => x.appid === a.appid)) {
        simulator.createApp({
          type: a.type,
          appid: a.appid,
          appsecret: a.appsecret,
          name: a.name ?? undefined,
        });
      }
    }
    // Component mode too (issue 13), beside the direct account: a simulated platform to connect from the
    // console's Accounts page. Not when the environment names a platform of its own.
    const { prepareSandboxComponent, SANDBOX_COMPONENT } = await import('./sandbox-component.js');
    await prepareSandboxComponent(simulator);
    effective = Object.freeze({
      ...config,
      apps,
      account: SANDBOX_ACCOUNT,
      component: config.component ?? SANDBOX_COMPONENT,
      mpBase: simulator.url,
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
      store,
      extend: (w) => mountConsole(w, { sandbox }),
    });
    url = await wxoa.listen();
  } catch (err) {
    // A port in use or an unreachable database: release what did start (the simulator's server, the store's
    // pool), or they would keep the process alive after the error was printed.
    await wxoa?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    await simulator?.close().catch(() => undefined);
    heldLock.release();
    throw err;
  }
  const running = wxoa;
  const port = new URL(url).port;
  const publicUrl = config.publicUrl;
  const statePath = sandboxStatePath(config.databaseUrl);
  if (simulator) {
    simulator.account(SANDBOX_ACCOUNT.appid).webhookUrl = `http://127.0.0.1:${port}/wechat`;
    const { connectSandboxComponent } = await import('./sandbox-component.js');
    await connectSandboxComponent(simulator, `http://127.0.0.1:${port}`).catch((err: unknown) =>
      logger.warn({ err }, 'could not connect the sandbox third-party platform'),
    );
    // So `wxoa qrcode create` and the other commands find this sandbox (sandbox-state.ts).
    try {
      mkdirSync(dirname(statePath), { recursive: true });
      writeSandboxState(statePath, {
        pid: process.pid,
        serverUrl: publicUrl,
        simulatorUrl: simulator.url,
        account: SANDBOX_ACCOUNT,
      });
    } catch (err) {
      logger.warn(
        { err, path: statePath },
        'could not write the sandbox state file; commands will not find it',
      );
    }
  }
  if (!config.sandbox && !config.publicUrlSet) {
    logger.warn(
      { publicUrl },
      'PUBLIC_URL is not set: OAuth redirect URIs and menu links point to localhost, which followers cannot open',
    );
  }
  printBanner(effective, {
    url: publicUrl,
    simulatorUrl: simulator?.url ?? null,
    simulatorState: simulator ? sandboxStateFile(config.databaseUrl) : undefined,
    loginUrl: await consoleLoginUrl(running, publicUrl),
    rules: running.rules,
    database: `${createdDatabase ? 'created a new database at ' : ''}${databaseLocation(config.databaseUrl)}`,
  });
  return {
    wxoa: running,
    url,
    simulatorUrl: simulator?.url ?? null,
    async close() {
      await running.close();
      await store.close();
      if (simulator) removeSandboxState(statePath);
      await simulator?.close();
      heldLock.release();
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

/** How many reply rules `rules` holds (each scene, keyword and click entry counts one). */
export function countRules(rules: ReplyRules): number {
  return (
    (rules.subscribe ? 1 : 0) +
    rules.scenes.size +
    rules.keywords.length +
    rules.clicks.size +
    (rules.default ? 1 : 0)
  );
}

function printBanner(
  config: Config,
  where: {
    url: string;
    simulatorUrl: string | null;
    simulatorState?: string | undefined;
    loginUrl: string;
    rules: ReplyRules;
    database: string;
  },
): void {
  const n = countRules(where.rules);
  const rules = `${n} reply rule${n === 1 ? '' : 's'}`;
  const source = config.configFile
    ? `${config.configFile} (${rules} loaded)`
    : config.sandbox
      ? `no config file: demo rules (${rules}) and the demo menu`
      : `no config file (set WXOA_CONFIG or add ./wxoa.config.json): ${rules}`;
  const lines = [
    '',
    `wxoa is serving on ${where.url}`,
    `  console:   ${where.loginUrl}   (one-time login link)`,
    `  webhook:   ${where.url}/wechat`,
    `  admin API: ${where.url}/api  (Authorization: Bearer ${config.adminTokenGenerated ? config.adminToken : '$ADMIN_TOKEN'})`,
    `  data:      ${where.database}`,
    `  config:    ${source}`,
  ];
  if (!config.sandbox && !config.publicUrlSet) {
    lines.push(
      '',
      `warning: PUBLIC_URL is not set, so OAuth redirect URIs and menu links use ${where.url},`,
      "  which followers cannot open. Set PUBLIC_URL to this server's public https address.",
    );
  }
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

/** The account a command acts for: `appid`, or the first configured one. */
export function accountOf(config: Config, appid?: string): AccountConfig {
  const all = config.account ? [config.account, ...config.extraAccounts] : config.extraAccounts;
  const account = appid ? all.find((a) => a.appid === appid) : all[0];
  if (!account) {
    throw new ConfigError(
      appid
        ? [`no configured account has the AppID ${appid}`]
        : [
            "WECHAT_APPID is not set (the Official Account's AppID)",
            'WECHAT_APPSECRET is not set (its AppSecret)',
            `no running sandbox was found either (${sandboxStatePath(config.databaseUrl)}); ` +
              'start one with `npm start` without WECHAT_APPID, in this folder',
          ],
    );
  }
  return account;
}

/**
 * The configuration of a command that calls the WeChat API: with no WECHAT_APPID, the running sandbox's
 * account and simulator (sandbox-state.ts).
 */
export function commandConfig(config: Config): Config {
  return withRunningSandbox(config).config;
}

/** The API client of a command, sharing the server's token through the store when given. */
export function apiOf(config: Config, account: AccountConfig, store?: Pick<Store, 'tokens' | 'apiStatus'>) {
  return new WechatApi({
    appid: account.appid,
    appsecret: account.appsecret,
    apiBase: config.apiBase,
    ...(store
      ? {
          tokenStore: store.tokens,
          onOutcome: apiFailureRecorder({ appid: account.appid, store: store.apiStatus }),
        }
      : {}),
  });
}

/** `wxoa sync`. */
export async function runSyncCommand(config: Config, opts: { appid?: string }): Promise<number> {
  const account = accountOf(config, opts.appid);
  const { openStore } = await import('./store/index.js');
  const { syncFollowers } = await import('./followers/sync.js');
  const { createSyncProgress } = await import('./followers/sync-progress.js');
  const store = await openStore(config.databaseUrl).catch((err: unknown) => {
    throw explainDatabaseError(err, config.databaseUrl);
  });
  const progress = createSyncProgress();
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    const result = await syncFollowers({
      store,
      api: apiOf(config, account, store),
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
  const oauthButtons = oauthButtonNames(result.menu.button);
  if (!config.sandbox && !config.publicUrlSet && oauthButtons.length > 0) {
    // The default would publish http://localhost links to real followers (INTERFACE.md §2).
    process.stderr.write(
      `${file}: PUBLIC_URL is not set, and the oauth button(s) ${oauthButtons.map((n) => `"${n}"`).join(', ')} ` +
        `would link to ${config.publicUrl}, which followers cannot open; nothing was sent to WeChat.\n` +
        "  Set PUBLIC_URL to this server's public https address (e.g. PUBLIC_URL=https://wx.example.com).\n",
    );
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

/** `wxoa qrcode create`: creates the code and keeps it in the database, as every code made through wxoa is. */
export async function runQrcodeCreate(
  config: Config,
  opts: { scene: string; permanent?: boolean; expire: string; json?: boolean; label?: string },
): Promise<number> {
  const scene = /^\d+$/.test(opts.scene) ? Number(opts.scene) : opts.scene;
  const expire = Number(opts.expire);
  const account = accountOf(config);
  const { openStore } = await import('./store/index.js');
  const { createAndKeepQrCode } = await import('./campaigns/qrcode-service.js');
  const store = await openStore(config.databaseUrl);
  let qr;
  try {
    ({ created: qr } = await createAndKeepQrCode({
      api: apiOf(config, account, store),
      repo: store.qrcodes,
      appid: account.appid,
      request: { scene, ...(opts.permanent ? { permanent: true } : { expireSeconds: expire }) },
      label: opts.label ?? null,
    }));
  } finally {
    await store.close();
  }
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

/** `wxoa qrcode list`: every code created through wxoa, newest first (all pages, or `--limit`). */
export async function runQrcodeList(
  config: Config,
  opts: { json?: boolean; limit?: string; appid?: string },
): Promise<number> {
  const limit = opts.limit === undefined ? Infinity : Number(opts.limit);
  if (!Number.isInteger(limit) && limit !== Infinity) throw new Error('--limit must be a whole number');
  if (limit < 1) throw new Error('--limit must be at least 1');
  const appid = opts.appid ?? accountOf(config).appid;
  const { openStore } = await import('./store/index.js');
  const { qrCodeJson } = await import('./campaigns/qrcode-json.js');
  const store = await openStore(config.databaseUrl);
  try {
    let cursor: string | undefined;
    let shown = 0;
    if (!opts.json)
      process.stdout.write('created (UTC)     scene                 expires (UTC)     label / ticket\n');
    do {
      const page = await store.qrcodes.list({
        appid,
        limit: Math.min(200, limit - shown),
        ...(cursor ? { cursor } : {}),
      });
      for (const q of page.qrcodes) {
        const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
        process.stdout.write(
          opts.json
            ? `${JSON.stringify(qrCodeJson(q))}\n`
            : `${iso(q.createdAt)}  ${q.scene.padEnd(20)}  ${(q.expiresAt === null ? 'permanent' : iso(q.expiresAt)).padEnd(16)}  ${q.label ?? q.ticket}\n`,
        );
      }
      shown += page.qrcodes.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor && shown < limit);
    if (!opts.json && shown === 0) process.stdout.write('(no QR codes created through wxoa yet)\n');
    return 0;
  } finally {
    await store.close();
  }
}

/** `wxoa followers export`. */
export async function runFollowersExport(
  config: Config,
  opts: { format: 'csv' | 'jsonl'; appid?: string; subscribed?: boolean; scene?: string; since?: string },
): Promise<number> {
  const { openStore } = await import('./store/index.js');
  const { exportFollowers } = await import('./followers/export.js');
  const { exportFilter } = await import('./followers/export-filter.js');
  // Checked before the database is opened: a typo in a flag changes nothing and says what is wrong.
  const filter = exportFilter(opts);
  // Opening would create an empty database: run in the wrong folder, the export would be silently empty.
  const target = parseDatabaseUrl(config.databaseUrl);
  if (target.kind === 'sqlite' && target.path !== ':memory:' && !existsSync(target.path)) {
    throw new StartupError(
      `no database at ${databaseLocation(config.databaseUrl)}: run the command in the server's folder, ` +
        "or set DATABASE_URL to the server's database",
    );
  }
  const store = await openStore(config.databaseUrl).catch((err: unknown) => {
    throw explainDatabaseError(err, config.databaseUrl);
  });
  try {
    await exportFollowers(store.followers, {
      format: opts.format,
      appid: opts.appid,
      filter,
      out: process.stdout,
      tagNames: async (appid) => new Map((await store.tags.tags(appid)).map((t) => [t.id, t.name])),
    });
    return 0;
  } finally {
    await store.close();
  }
}

/** `wxoa doctor`. */
export async function runDoctorCommand(config: Config): Promise<number> {
  accountOf(config);
  const { formatDoctor, runDoctor } = await import('./doctor.js');
  const checks = await runDoctor(config);
  const { text, code } = formatDoctor(config, checks, await recordedFailure(config));
  process.stdout.write(text);
  return code;
}

/** The last API failure the server recorded in the database, or null (also when the database is out of reach). */
async function recordedFailure(config: Config) {
  const { openStore, parseDatabaseUrl } = await import('./store/index.js');
  try {
    // Never create a database just to look into it.
    const target = parseDatabaseUrl(config.databaseUrl);
    if (target.kind === 'sqlite' && !existsSync(target.path)) return null;
    const store = await openStore(config.databaseUrl);
    try {
      return await store.apiStatus.lastFailure(accountOf(config).appid);
    } finally {
      await store.close();
    }
  } catch {
    return null;
  }
}

/** `wxoa sandbox env`: `export` lines for the running sandbox, or exit 1 saying none runs. */
export async function runSandboxEnv(config: Config): Promise<number> {
  const { readSandboxState, sandboxExports } = await import('./sandbox-state.js');
  const path = sandboxStatePath(config.databaseUrl);
  const state = readSandboxState(path);
  if (!state) {
    process.stderr.write(
      `no running sandbox found (no live ${path}); start one with \`npm start\` (no WECHAT_APPID) in this folder\n`,
    );
    return 1;
  }
  process.stdout.write(
    `# The sandbox of ${state.serverUrl}; wxoa commands in this folder find it without these.\n` +
      '# Unset them before `npm start`, or it would run against this simulator as a real account.\n' +
      `${sandboxExports(state)}\n`,
  );
  return 0;
}
