/**
 * bench/lib/throwaway-postgres.mjs — a PostgreSQL cluster of the bench's own, as .ci/run and
 * test/support/postgres.ts start one: initdb into a temp folder (as the system user wxoa-pg when run as
 * root), 127.0.0.1 on a free port, fsync off (throwaway data). Returns null, with the reason, when the server
 * binaries are missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

const PG_USER = process.env.WXOA_TEST_POSTGRES_USER ?? 'wxoa-pg';

function findBin() {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) {
      return dirname(realpathSync(join(dir, 'initdb')));
    }
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

const asPg = (command, args) =>
  process.getuid?.() === 0 ? ['runuser', ['-u', PG_USER, '--', command, ...args]] : [command, args];

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

/** `{ url, stop() }` of a started cluster, or `{ skipped: reason }`. */
export async function startThrowawayPostgres() {
  const bin = findBin();
  if (!bin)
    return { skipped: 'no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql' };
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', PG_USER], { stdio: 'ignore' }).status !== 0) {
    return { skipped: `running as root and no system user ${PG_USER} to run PostgreSQL as` };
  }
  const dir = mkdtempSync(join(tmpdir(), 'wxoa-bench-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const id = (flag) => Number(execFileSync('id', [flag, PG_USER], { encoding: 'utf8' }).trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const run = (command, args) =>
    execFileSync(...asPg(join(bin, command), args), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '-N']);
  const port = await freePort();
  const options = [
    "-c listen_addresses='127.0.0.1'",
    `-p ${port}`,
    `-c unix_socket_directories='${dir}'`,
    '-c fsync=off -c synchronous_commit=off -c full_page_writes=off',
  ].join(' ');
  run('pg_ctl', ['-D', data, '-l', join(dir, 'postgres.log'), '-w', '-t', '60', '-o', options, 'start']);
  const stop = () => {
    spawnSync(...asPg(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']), {
      cwd: dir,
      stdio: 'ignore',
    });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
}
