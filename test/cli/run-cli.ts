/**
 * Runs `node bin/wxoa.js …` the way an operator does: a child process with only the environment given (no
 * WECHAT_* leaking in from the test run), in a working directory of the test's choosing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eventually, freePort } from '../support/server.js';

/** bin/wxoa.js of this checkout. */
export const WXOA_BIN = fileURLToPath(new URL('../../bin/wxoa.js', import.meta.url));

/** How a command ended. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of a command: PATH and HOME from the test run, the rest only what the test gives. */
export function cliEnv(env: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
    LOG_LEVEL: 'warn',
    ...env,
  };
}

/** Starts `wxoa …args`; the caller reads its output and waits for it. */
export function spawnCli(args: string[], env: Record<string, string>, cwd: string): ChildProcess {
  return spawn(process.execPath, [WXOA_BIN, ...args], {
    cwd,
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `wxoa …args` to the end (killed after `timeoutMs`). */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd: string; timeoutMs?: number },
): Promise<CliResult> {
  const child = spawnCli(args, options.env ?? {}, options.cwd);
  return finished(child, options.timeoutMs ?? 15_000);
}

/** Collects a child's output until it exits (killed after `timeoutMs`). */
export function finished(child: ChildProcess, timeoutMs: number): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`wxoa did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A started `wxoa serve`, once /healthz answers and its banner is printed. */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the process has exited. */
  exit: Promise<CliResult>;
}

/** Spawns `wxoa serve` on a free port of 127.0.0.1 and waits until /healthz answers 200 and the banner is out. */
export async function serveCli(env: Record<string, string>, cwd: string): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawnCli(['serve'], { ...env, PORT: String(port), HOST: '127.0.0.1' }, cwd);
  const exit = finished(child, 60_000);
  let exited: CliResult | null = null;
  void exit.then((r) => (exited = r)).catch(() => undefined);
  let printed = '';
  child.stdout?.on('data', (chunk: string) => (printed += chunk));
  child.stderr?.on('data', (chunk: string) => (printed += chunk));
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    'wxoa serve answers /healthz',
    async () => {
      if (exited) throw new Error(`wxoa serve exited with ${exited.code}:\n${printed}`);
      return (await fetch(`${url}/healthz`).catch(() => null))?.status === 200;
    },
    30_000,
  );
  // The banner follows the first answer of /healthz.
  await eventually('the banner is printed', () => printed.includes('config:'), 10_000);
  return { child, url, output: () => printed, exit };
}
