/**
 * The real server for end-to-end tests: `loadConfig` from an environment (and an optional config file) that
 * points WECHAT_API_BASE / WECHAT_OPEN_BASE at a running simulator, `createWxoa`, listening on 127.0.0.1 and
 * a free port, with the simulated accounts' webhook URLs pointed at it. Nothing is mocked: the pushes come
 * from the simulator (or from test/support/push.ts) over HTTP, and the admin API is read over HTTP.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Composer } from '../../src/bot/composer.js';
import type { Context } from '../../src/bot/context.js';
import { loadConfig } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { createWxoa, type Wxoa, type WxoaOptions } from '../../src/server.js';
import type { SimAccount, Simulator } from '../../src/simulator/index.js';
import type { Store } from '../../src/store/types.js';
import { createTestDatabase } from './postgres.js';

/** The admin token every e2e server is configured with. */
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789';

/** The databases the e2e suites run on. */
export type Engine = 'sqlite' | 'postgres';

/** A database for one suite: its DATABASE_URL, and a way to delete it afterwards. */
export interface E2eDatabase {
  url: string;
  dispose(): Promise<void>;
}

/** A fresh SQLite file in a temp folder, or a fresh PostgreSQL database (the suite is skipped without one). */
export async function e2eDatabase(engine: Engine, ctx: Mocha.Context): Promise<E2eDatabase> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'wxoa-e2e-'));
    return {
      url: `sqlite:${join(dir, 'wxoa.db')}`,
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const db = await createTestDatabase(ctx);
  return { url: db.url, dispose: async () => void (await db.drop()) };
}

/** A temporary JSON config file (WXOA_CONFIG); `dispose` deletes it. */
export function writeConfigFile(content: unknown): { path: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'wxoa-config-'));
  const path = join(dir, 'wxoa.config.json');
  writeFileSync(path, JSON.stringify(content, null, 2));
  return { path, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The config-file form of a simulated account (`accounts` entries, INTERFACE.md §2). */
export function accountEntry(account: SimAccount): Record<string, string> {
  return {
    appid: account.appid,
    appsecret: account.appsecret,
    token: account.token,
    encodingAesKey: account.encodingAesKey,
  };
}

/** The environment of a server for `account` of `sim` (WECHAT_* and the API bases), plus `extra`. */
export function e2eEnv(
  sim: Simulator,
  account: SimAccount,
  databaseUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    WECHAT_APPID: account.appid,
    WECHAT_APPSECRET: account.appsecret,
    WECHAT_TOKEN: account.token,
    WECHAT_ENCODING_AES_KEY: account.encodingAesKey,
    WECHAT_API_BASE: sim.url,
    WECHAT_OPEN_BASE: sim.url,
    ADMIN_TOKEN,
    HOST: '127.0.0.1',
    PORT: '0',
    ...extra,
  };
}

/** Options of {@link startE2eServer}. */
export interface E2eServerOptions {
  sim: Simulator;
  /** The account of WECHAT_*: its webhookUrl is pointed at `/wechat`. */
  account: SimAccount;
  databaseUrl: string;
  /** Further accounts, also written to the config file's `accounts`: their webhookUrl is `/wechat/:appid`. */
  extraAccounts?: SimAccount[];
  /** More of the config file (`replies`, …). */
  configFile?: Record<string, unknown>;
  /** More environment (WXOA_REPLY_BUDGET_MS, …). */
  env?: Record<string, string>;
  handlers?: Composer<Context>;
  logger?: Logger;
  enrichment?: WxoaOptions['enrichment'];
  /** Extra routes (e.g. the console), mounted as `createWxoa({ extend })` does. */
  extend?: WxoaOptions['extend'];
  /** An open store for the server to use (on a clock of the test's); the test closes it. */
  store?: Store;
  /** Leave the simulated accounts' webhook URLs alone (for a second instance behind the first). */
  keepWebhookUrls?: boolean;
  /** Listen port; default a free one. Give one (see {@link freePort}) when PUBLIC_URL must name it. */
  port?: number;
  /** The server's clock (WxoaOptions.clock); give `() => sim.clock.now()` to move both with the simulator. */
  clock?: () => number;
  /** Mount the operator console (with a real WeChat account, as `wxoa serve` does outside sandbox mode). */
  console?: boolean;
  /** The periodic follower sync's timer, clock, start delay and holder name (WxoaOptions.sync). */
  sync?: WxoaOptions['sync'];
}

/** A started server. */
export interface E2eServer {
  wxoa: Wxoa;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** GET an admin API path with the bearer token: status and parsed JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  api(path: string, init?: RequestInit): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** Loads the config as `wxoa serve` would, builds the server with createWxoa and starts it on a free port. */
export async function startE2eServer(options: E2eServerOptions): Promise<E2eServer> {
  const extra = options.extraAccounts ?? [];
  const fileContent = {
    ...options.configFile,
    ...(extra.length > 0 ? { accounts: extra.map(accountEntry) } : {}),
  };
  const file = Object.keys(fileContent).length > 0 ? writeConfigFile(fileContent) : null;
  const env = e2eEnv(options.sim, options.account, options.databaseUrl, {
    ...(file ? { WXOA_CONFIG: file.path } : {}),
    ...options.env,
  });
  let wxoa: Wxoa;
  try {
    const config = loadConfig(env, tmpdir());
    wxoa = await createWxoa({
      config,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.handlers ? { handlers: options.handlers } : {}),
      ...(options.enrichment ? { enrichment: options.enrichment } : {}),
      ...(options.store ? { store: options.store } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.sync ? { sync: options.sync } : {}),
      ...(options.extend || options.console
        ? {
            extend: async (w: Wxoa) => {
              if (options.console) {
                const { mountConsole } = await import('../../src/http/console/index.js');
                mountConsole(w, { sandbox: null });
              }
              await options.extend?.(w);
            },
          }
        : {}),
    });
  } finally {
    // The file is read once, at load: it is not needed afterwards.
    file?.dispose();
  }
  const url = await wxoa.listen(options.port ?? 0, '127.0.0.1');
  if (!options.keepWebhookUrls) {
    options.account.webhookUrl = `${url}/wechat`;
    for (const a of extra) a.webhookUrl = `${url}/wechat/${a.appid}`;
  }
  return {
    wxoa,
    url,
    async api(path, init = {}) {
      const response = await fetch(url + path, {
        ...init,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(init.headers as Record<string, string> | undefined),
        },
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        // not JSON: the text itself
      }
      return { status: response.status, body };
    },
    close: () => wxoa.close(),
  };
}

/** Polls `check` until it holds or `timeoutMs` passes; then fails saying what was awaited. */
export async function eventually(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** API calls the simulator received on `path`, optionally for one account. */
export function callsTo(sim: Simulator, path: string, appid?: string): Simulator['calls'] {
  return sim.calls.filter((c) => c.path === path && (appid === undefined || c.appid === appid));
}

/** A TCP port free on 127.0.0.1 right now (for a server whose PUBLIC_URL must be known before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
