import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, parse, resolve } from 'node:path';
import type { AccountConfig, Config } from './config.js';
import { parseDatabaseUrl } from './store/database-url.js';

/**
 * How `wxoa …` commands find a running sandbox (issue 10, item 6): `wxoa serve` in sandbox mode writes a
 * small state file beside its database naming the simulator's URL and the sandbox account (mode 0600; the
 * sandbox credentials are fixed and not secret, but the file says where a local API answers), and removes it
 * on a clean stop. A command with no WECHAT_APPID reads it; a file left by a crash names a dead process and
 * is ignored.
 */

/** What the state file holds. */
export interface SandboxState {
  pid: number;
  /** The server's base URL (PUBLIC_URL). */
  serverUrl: string;
  /** The simulator's base URL: WECHAT_API_BASE and WECHAT_OPEN_BASE of the sandbox. */
  simulatorUrl: string;
  account: AccountConfig;
}

/** The sandbox's state file: beside the SQLite database, else in ./data. */
export function sandboxStatePath(databaseUrl: string, cwd = process.cwd()): string {
  const target = parseDatabaseUrl(databaseUrl);
  const dir =
    target.kind === 'sqlite' && target.path !== ':memory:'
      ? dirname(resolve(cwd, target.path))
      : resolve(cwd, 'data');
  return join(dir, 'sandbox.json');
}

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

/** Writes the state file, readable by its owner only. */
export function writeSandboxState(path: string, state: SandboxState): void {
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the state file, if it is still this process's. */
export function removeSandboxState(path: string, pid = process.pid): void {
  const state = readStateFile(path);
  if (state?.pid === pid) rmSync(path, { force: true });
}

/** The running sandbox's state, or null when there is no file or its process is gone. */
export function readSandboxState(path: string): SandboxState | null {
  const state = readStateFile(path);
  return state && alive(state.pid) ? state : null;
}

/**
 * `config` pointed at the running sandbox when it has no account of its own (no WECHAT_APPID); unchanged
 * otherwise, and when no sandbox runs.
 */
export function withRunningSandbox(
  config: Config,
  cwd = process.cwd(),
): { config: Config; state: SandboxState | null } {
  if (!config.sandbox || config.account) return { config, state: null };
  const state = readSandboxState(sandboxStatePath(config.databaseUrl, cwd));
  if (!state) return { config, state: null };
  return {
    config: Object.freeze({
      ...config,
      account: state.account,
      apiBase: state.simulatorUrl,
      openBase: state.simulatorUrl,
      ...(config.publicUrlSet ? {} : { publicUrl: state.serverUrl }),
    }),
    state,
  };
}

/** `export` lines that point a shell (curl, scripts, other tools) at the sandbox. */
export function sandboxExports(state: SandboxState): string {
  const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  const lines: Array<[string, string]> = [
    ['WECHAT_API_BASE', state.simulatorUrl],
    ['WECHAT_OPEN_BASE', state.simulatorUrl],
    ['WECHAT_APPID', state.account.appid],
    ['WECHAT_APPSECRET', state.account.appsecret],
    ['WECHAT_TOKEN', state.account.token],
    ['PUBLIC_URL', state.serverUrl],
  ];
  if (state.account.encodingAesKey) lines.push(['WECHAT_ENCODING_AES_KEY', state.account.encodingAesKey]);
  return lines.map(([k, v]) => `export ${k}=${quote(v)}`).join('\n');
}

function readStateFile(path: string): SandboxState | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as SandboxState;
    return typeof parsed.pid === 'number' && typeof parsed.simulatorUrl === 'string' && parsed.account
      ? parsed
      : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
