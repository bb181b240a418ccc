/**
 * `wxoa serve` in sandbox mode (no WECHAT_APPID) as a child process on a data directory, for the tests that
 * stop and start the sandbox to see what it keeps.
 */
import type { ChildProcess } from 'node:child_process';
import { finished, spawnCli, type CliResult } from '../cli/run-cli.js';
import { ADMIN_TOKEN, eventually, freePort } from './server.js';

/** A running sandbox: the server and the simulator its banner names. */
export interface Sandbox {
  child: ChildProcess;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** The simulator's URL, from the banner. */
  simUrl: string;
  /** What it printed so far (stdout and stderr). */
  output(): string;
  exit: Promise<CliResult>;
}

/** `wxoa serve` without WECHAT_APPID in `dir` (SQLite under data/), until its banner names the simulator. */
export async function startSandbox(dir: string): Promise<Sandbox> {
  const port = await freePort();
  const child = spawnCli(
    ['serve'],
    { DATABASE_URL: 'sqlite:data/wxoa.db', ADMIN_TOKEN, PORT: String(port), HOST: '127.0.0.1' },
    dir,
  );
  const exit = finished(child, 90_000);
  let exited: CliResult | null = null;
  void exit.then((r) => (exited = r)).catch(() => undefined);
  let printed = '';
  child.stdout?.on('data', (chunk: string) => (printed += chunk));
  child.stderr?.on('data', (chunk: string) => (printed += chunk));
  await eventually(
    'the sandbox prints its banner',
    () => {
      if (exited) throw new Error(`wxoa serve exited with ${exited.code}:\n${printed}`);
      return /simulator: http:\/\/\S+/.test(printed);
    },
    45_000,
  );
  const simUrl = /simulator: (http:\/\/\S+)/.exec(printed)?.[1] ?? '';
  return { child, url: `http://127.0.0.1:${port}`, simUrl, output: () => printed, exit };
}

/** SIGTERM, and the exit code of a clean shutdown (0) or an error naming what it printed. */
export async function stopSandbox(sandbox: Sandbox): Promise<void> {
  sandbox.child.kill('SIGTERM');
  const result = await sandbox.exit;
  if (result.code !== 0) throw new Error(`wxoa serve exited with ${result.code}:\n${sandbox.output()}`);
}
