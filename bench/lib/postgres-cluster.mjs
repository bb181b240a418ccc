/**
 * A throwaway PostgreSQL cluster for the bench (run.mjs's full-server rows and data-scale.mjs), as
 * test/support/postgres.ts and .ci/run start one: initdb into a temp dir, 127.0.0.1 on a free port, fsync off
 * (throwaway data), run as the system user `wxoa-pg` when the bench runs as root. `WXOA_BENCH_POSTGRES_URL`
 * uses a running server instead. Returns `{ unavailable: reason }` when there are no PostgreSQL server
 * binaries (or, as root, no `wxoa-pg` to run them as).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const USER = process.env.WXOA_TEST_POSTGRES_USER ?? 'wxoa-pg';

function findBin() {
  if (process.env.WXOA_TEST_POSTGRES_BIN) return process.env.WXOA_TEST_POSTGRES_BIN;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const initdb = path.join(dir, 'initdb');
    if (dir && existsSync(initdb) && existsSync(path.join(dir, 'pg_ctl')))
      return path.dirname(realpathSync(initdb));
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

const asUser = (cmd, args) =>
  process.getuid?.() === 0 ? ['runuser', ['-u', USER, '--', cmd, ...args]] : [cmd, args];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** { url, stop(), createDatabase(name) → url } or { unavailable: reason }. */
export async function startBenchPostgres() {
  let adminUrl = process.env.WXOA_BENCH_POSTGRES_URL;
  let stop = () => undefined;
  let dataDir = null;
  if (!adminUrl) {
    const bin = findBin();
    if (!bin)
      return { unavailable: 'no PostgreSQL server binaries (initdb, pg_ctl) and no WXOA_BENCH_POSTGRES_URL' };
    if (process.getuid?.() === 0 && spawnSync('id', ['-u', USER], { stdio: 'ignore' }).status !== 0)
      return { unavailable: `running as root and no system user ${USER} to run PostgreSQL as` };
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wxoa-bench-pg-'));
    const data = path.join(dir, 'data');
    dataDir = data;
    if (process.getuid?.() === 0) {
      const id = (flag) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
      chownSync(dir, id('-u'), id('-g'));
    }
    const run = (cmd, args) =>
      execFileSync(...asUser(cmd, args), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    run(path.join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-locale',
      '-N',
    ]);
    const port = await freePort();
    const options = [
      "-c listen_addresses='127.0.0.1'",
      `-p ${port}`,
      `-c unix_socket_directories='${dir}'`,
      '-c fsync=off -c synchronous_commit=off -c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    run(path.join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      path.join(dir, 'postgres.log'),
      '-w',
      '-t',
      '60',
      '-o',
      options,
      'start',
    ]);
    adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    stop = () => {
      spawnSync(...asUser(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']), {
        cwd: dir,
        stdio: 'ignore',
      });
      rmSync(dir, { recursive: true, force: true });
    };
    process.on('exit', stop);
  }
  let n = 0;
  const postmasterPid = () => {
    try {
      return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return null;
    }
  };
  return {
    url: adminUrl,
    stop,
    /**
     * The PIDs of the cluster's processes (the postmaster and its children: backends, writer, WAL, …), for
     * the bench to read their CPU time; empty for a server it did not start.
     */
    pids() {
      const root = dataDir ? postmasterPid() : null;
      if (!root) return [];
      const pids = [root];
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          if (ppid === root) pids.push(Number(entry));
        } catch {
          // exited meanwhile
        }
      }
      return pids;
    },
    /** A fresh empty database: each target and mode starts from nothing, as the SQLite rows do. */
    async createDatabase() {
      const name = `wxoa_bench_${process.pid}_${++n}`;
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
  };
}
