import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { checkApps, type AppConfig } from './config-apps.js';
import { configFileProblems } from './config-file.js';
import { readComponentConfig, type ComponentConfig } from './component/component-config.js';

export type { ComponentConfig } from './component/component-config.js';

export type { AppConfig, AppType } from './config-apps.js';

/**
 * The only reader of process.env (ARCHITECTURE.md): returns one validated, frozen Config, or throws a
 * ConfigError listing every problem at once (INTERFACE.md §2).
 */

/** One Official Account served by this server. */
export interface AccountConfig {
  appid: string;
  appsecret: string;
  token: string;
  /** Present: compatible and safe mode work; absent: plaintext only. */
  encodingAesKey: string | null;
}

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  /** No WECHAT_APPID: run against the built-in simulator (INTERFACE.md §7). */
  sandbox: boolean;
  /** The account of WECHAT_*; null in sandbox mode until the sandbox provides one. */
  account: AccountConfig | null;
  /** Further accounts from the config file, served at /wechat/:appid. */
  extraAccounts: AccountConfig[];
  /** The Open Platform's Mini Programs, website apps and mobile apps (`apps`, INTERFACE.md §8). */
  apps: AppConfig[];
  apiBase: string;
  openBase: string;
  timestampToleranceSeconds: number;
  publicUrl: string;
  /** False when PUBLIC_URL was not set and `publicUrl` is the localhost default. */
  publicUrlSet: boolean;
  adminToken: string;
  /** True when ADMIN_TOKEN was unset and a random one was made (printed at start). */
  adminTokenGenerated: boolean;
  /** Path of the JSON config file in use, or null. */
  configFile: string | null;
  /** The `replies` section of the config file, unvalidated (replies/ validates it). */
  repliesInput: unknown;
  /** The `menu` section (or menu file path) of the config file, if any. */
  menuInput: unknown;
  /** Time a handler gets before the webhook answers `success` for it (below WeChat's 5 s). */
  replyBudgetMs: number;
  /** Seconds between periodic follower syncs; 0 = off. Default daily with a real account, off in sandbox mode. */
  syncIntervalSeconds: number;
  logLevel: string;
  /** The third-party platform of WECHAT_COMPONENT_* (INTERFACE.md §9), or null. */
  component: ComponentConfig | null;
  /** The authorization page's host (WECHAT_MP_BASE). */
  mpBase: string;
}

/** Every problem found in the configuration, in one error. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

/**
 * What a command uses, so it asks only for that (INTERFACE.md §2): `serve` (and `doctor`) the whole
 * account; `api` the AppID and AppSecret but not the Token or AES key (`wxoa qrcode create`);
 * `database` no account at all (`wxoa followers export`).
 */
export type ConfigUse = 'serve' | 'api' | 'database';

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Default `serve`. */
  uses?: ConfigUse;
}

/** The periodic follower sync with a real account: daily. */
export const DEFAULT_SYNC_INTERVAL_SECONDS = 86_400;
/** A list synced less than yearly is not kept fresh: a larger number is a typo (milliseconds, say). */
const MAX_SYNC_INTERVAL_SECONDS = 365 * 86_400;

/** pino's levels: a typo would otherwise crash the logger after the configuration was accepted. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const APPID = /^wx[0-9a-zA-Z]{16}$/;
const TOKEN = /^[A-Za-z0-9]{3,32}$/;
const AES_KEY = /^[A-Za-z0-9]{43}$/;

function intSetting(env: Env, name: string, fallback: number, problems: string[], min = 0, max = Infinity) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
    return fallback;
  }
  return n;
}

function urlSetting(env: Env, name: string, fallback: string, problems: string[]): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    return raw.replace(/\/+$/, '');
  } catch {
    problems.push(`${name} must be an http(s) URL (got "${raw}")`);
    return fallback;
  }
}

/** Checks one account's fields; `where` names it in messages ("WECHAT_*" or "accounts[1]"). */
export function checkAccount(
  a: { appid?: unknown; appsecret?: unknown; token?: unknown; encodingAesKey?: unknown },
  names: { appid: string; appsecret: string; token: string; encodingAesKey: string },
  problems: string[],
  needs: { token: boolean } = { token: true },
): AccountConfig {
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const appid = str(a.appid);
  const appsecret = str(a.appsecret);
  const token = str(a.token);
  const key = str(a.encodingAesKey);
  if (!APPID.test(appid))
    problems.push(`${names.appid} must look like wx followed by 16 letters or digits (got "${appid}")`);
  if (!appsecret) problems.push(`${names.appsecret} is required with ${names.appid}`);
  if (needs.token && !token) {
    problems.push(
      `${names.token} is required with ${names.appid} (the 3–32 letters or digits set in the WeChat console)`,
    );
  } else if (needs.token && !TOKEN.test(token)) {
    problems.push(
      `${names.token} must be the 3–32 letters or digits set in the WeChat console (got ${token.length} characters)`,
    );
  }
  if (needs.token && key && !AES_KEY.test(key)) {
    problems.push(
      `${names.encodingAesKey} must be 43 letters or digits (got ${key.length})` +
        (key.length === 44 && key.endsWith('=') ? "; copy it from the console without a trailing '='" : ''),
    );
  }
  return { appid, appsecret, token, encodingAesKey: key || null };
}

/** The admin token opens the API and the console: long and varied enough not to be guessed. */
const ADMIN_TOKEN_MIN_LENGTH = 16;
const ADMIN_TOKEN_MIN_DISTINCT = 8;

/** What makes ADMIN_TOKEN guessable, without ever repeating the token. */
function adminTokenProblems(token: string): string[] {
  const hint = '; make one with `openssl rand -base64 32`';
  const length = [...token].length;
  if (length < ADMIN_TOKEN_MIN_LENGTH)
    return [`ADMIN_TOKEN must be at least ${ADMIN_TOKEN_MIN_LENGTH} characters (got ${length})${hint}`];
  const distinct = new Set(token).size;
  if (distinct < ADMIN_TOKEN_MIN_DISTINCT) {
    return [
      `ADMIN_TOKEN must have at least ${ADMIN_TOKEN_MIN_DISTINCT} different characters (got ${distinct}): ` +
        `a token of a few repeated characters is easy to guess${hint}`,
    ];
  }
  return [];
}

/** Reads and validates the configuration. */
export function loadConfig(
  env: Env = process.env,
  cwd = process.cwd(),
  options: LoadConfigOptions = {},
): Config {
  const uses = options.uses ?? 'serve';
  const needs = { token: uses === 'serve' };
  const problems: string[] = [];
  const port = intSetting(env, 'PORT', 3000, problems, 0, 65535);
  const host = env['HOST'] || '0.0.0.0';
  const databaseUrl = env['DATABASE_URL'] || 'sqlite:data/wxoa.db';
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    problems.push(
      `DATABASE_URL must be sqlite:PATH or postgres://… (got "${databaseUrl.replace(/:[^:@/]*@/, ':***@')}")`,
    );
  }
  // A component start with no WECHAT_APPID serves only the accounts that authorized it: no sandbox (§9).
  const component = uses === 'database' ? null : readComponentConfig(env, problems);
  const componentSet = Boolean(env['WECHAT_COMPONENT_APPID']);
  const sandbox = !env['WECHAT_APPID'] && !componentSet;
  // A command that uses no account (`followers export`) is not stopped by one it does not use.
  const accountProblems = uses === 'database' ? [] : problems;
  const account = !env['WECHAT_APPID']
    ? null
    : checkAccount(
        {
          appid: env['WECHAT_APPID'],
          appsecret: env['WECHAT_APPSECRET'],
          token: env['WECHAT_TOKEN'],
          encodingAesKey: env['WECHAT_ENCODING_AES_KEY'],
        },
        {
          appid: 'WECHAT_APPID',
          appsecret: 'WECHAT_APPSECRET',
          token: 'WECHAT_TOKEN',
          encodingAesKey: 'WECHAT_ENCODING_AES_KEY',
        },
        accountProblems,
        needs,
      );
  const apiBase = urlSetting(env, 'WECHAT_API_BASE', 'https://api.weixin.qq.com', problems);
  const openBase = urlSetting(env, 'WECHAT_OPEN_BASE', 'https://open.weixin.qq.com', problems);
  const mpBase = urlSetting(env, 'WECHAT_MP_BASE', 'https://mp.weixin.qq.com', problems);
  const timestampToleranceSeconds = intSetting(env, 'WECHAT_TIMESTAMP_TOLERANCE', 300, problems);
  const publicUrl = urlSetting(env, 'PUBLIC_URL', `http://localhost:${port}`, problems);
  const publicUrlSet = Boolean(env['PUBLIC_URL']);
  const logLevel = env['LOG_LEVEL'] || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }
  const replyBudgetMs = intSetting(env, 'WXOA_REPLY_BUDGET_MS', 4000, problems, 100, 4800);
  // WeChat pushes nothing when a profile, tag or remark changes: with a real account the list is re-synced
  // daily unless told otherwise. The sandbox's simulator pushes every change it makes, so it needs none.
  const syncIntervalSeconds = intSetting(
    env,
    'WXOA_SYNC_INTERVAL',
    sandbox ? 0 : DEFAULT_SYNC_INTERVAL_SECONDS,
    problems,
    0,
    MAX_SYNC_INTERVAL_SECONDS,
  );

  let adminToken = env['ADMIN_TOKEN'] ?? '';
  const adminTokenGenerated = adminToken === '';
  if (adminTokenGenerated) adminToken = randomBytes(24).toString('base64url');
  // Only the server takes the token: a CLI command that never checks it is not stopped by a weak one.
  else if (uses === 'serve') problems.push(...adminTokenProblems(adminToken));

  // The optional JSON file: replies, menu, more accounts.
  let configFile: string | null = null;
  let file: Record<string, unknown> = {};
  const explicit = env['WXOA_CONFIG'];
  const candidate = explicit ? resolve(cwd, explicit) : resolve(cwd, 'wxoa.config.json');
  if (explicit && !existsSync(candidate))
    problems.push(`WXOA_CONFIG names a file that does not exist: ${candidate}`);
  else if (existsSync(candidate)) {
    configFile = candidate;
    try {
      const parsed: unknown = JSON.parse(readFileSync(candidate, 'utf8'));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('not an object');
      file = parsed as Record<string, unknown>;
    } catch (e) {
      problems.push(`${candidate} is not a JSON object: ${(e as Error).message}`);
    }
    for (const p of uses === 'database' ? [] : configFileProblems(file, { publicUrl }))
      problems.push(`${candidate}: ${p.path || '(root)'}: ${p.message}`);
  }
  const extraAccounts: AccountConfig[] = [];
  if (file['accounts'] !== undefined && uses !== 'database') {
    if (!Array.isArray(file['accounts'])) problems.push('accounts in the config file must be an array');
    else {
      file['accounts'].forEach((a: unknown, i: number) => {
        const p = `accounts[${i}]`;
        const acc = checkAccount(
          (a ?? {}) as Record<string, unknown>,
          {
            appid: `${p}.appid`,
            appsecret: `${p}.appsecret`,
            token: `${p}.token`,
            encodingAesKey: `${p}.encodingAesKey`,
          },
          problems,
          needs,
        );
        if (acc.appid === account?.appid || extraAccounts.some((x) => x.appid === acc.appid)) {
          problems.push(`${p}.appid ${acc.appid} is configured twice`);
        }
        extraAccounts.push(acc);
      });
    }
  }

  const apps =
    uses === 'database' || configFile === null
      ? []
      : checkApps(
          file['apps'],
          [...(account ? [account.appid] : []), ...extraAccounts.map((a) => a.appid)],
          problems,
          configFile,
        );
  if (component !== null && [account, ...extraAccounts].some((a) => a?.appid === component.appid)) {
    problems.push(
      `WECHAT_COMPONENT_APPID ${component.appid} is also configured as an Official Account: a platform's AppID is not an account's`,
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    port,
    host,
    databaseUrl,
    sandbox,
    account,
    extraAccounts,
    apps,
    apiBase,
    openBase,
    timestampToleranceSeconds,
    publicUrl,
    publicUrlSet,
    adminToken,
    adminTokenGenerated,
    configFile,
    repliesInput: file['replies'] ?? null,
    menuInput: file['menu'] ?? null,
    replyBudgetMs,
    syncIntervalSeconds,
    logLevel,
    component,
    mpBase,
  });
}
