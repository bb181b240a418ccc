/**
 * `wxoa serve` as a child process, for tests that kill it (-9) or watch it survive a database restart.
 */
import type { ChildProcess } from 'node:child_process';
import { finished, spawnCli, type CliResult } from '../cli/run-cli.js';
import { eventually, freePort } from './server.js';

/** A running `wxoa serve`. */
export interface ServeProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** What it printed so far (stdout and stderr). */
  output(): string;
  /** Whether it has exited (by itself or killed). */
  exited(): boolean;
  /** Resolves when the process has exited. */
  exit: Promise<CliResult>;
  /** SIGKILL: no shutdown, no drain, as in a crash. */
  kill9(): Promise<CliResult>;
}

/** Spawns `wxoa serve` with `env` and waits until /healthz answers 200. */
export async function spawnServe(env: Record<string, string>, cwd: string): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawnCli(['serve'], { ...env, PORT: String(port), HOST: '127.0.0.1' }, cwd);
  let printed = '';
  child.stdout?.on('data', (chunk: Buffer | string) => (printed += String(chunk)));
  child.stderr?.on('data', (chunk: Buffer | string) => (printed += String(chunk)));
  const exit = finished(child, 600_000);
  let done = false;
  void exit.then(
    () => (done = true),
    () => (done = true),
  );
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    'wxoa serve answers /healthz',
    async () => {
      if (done) throw new Error(`wxoa serve exited:\n${printed}`);
      const res = await fetch(`${url}/healthz`).catch(() => null);
      return res?.status === 200;
    },
    30_000,
  );
  return {
    child,
    url,
    output: () => printed,
    exited: () => done,
    exit,
    kill9: () => {
      if (!done) child.kill('SIGKILL');
      return exit;
    },
  };
}
