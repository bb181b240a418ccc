/**
 * A PostgreSQL server for tests. With WXOA_TEST_POSTGRES_URL set (CI starts a cluster itself, see .ci/run),
 * that server is used; otherwise the first caller starts a throwaway cluster: initdb into a temp dir, listening
 * on 127.0.0.1 at a free port with its socket in the same dir, stopped and deleted after the whole mocha run.
 * PostgreSQL refuses to run as root, so as root the cluster runs as a system user (created when missing).
 * Each suite gets its own database, so suites never see each other's rows.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import pg from 'pg';

/** The unprivileged account a root test run starts PostgreSQL as. */
export const POSTGRES_SYSTEM_USER = process.env['WXOA_TEST_POSTGRES_USER'] ?? 'wxoa-pg';

/** No PostgreSQL server binaries and no WXOA_TEST_POSTGRES_URL. */
export class PostgresUnavailableError extends Error {
  override readonly name = 'PostgresUnavailableError';
}

interface Cluster {
  dir: string;
  dataDir: string;
  pgCtl: string;
}

let adminUrl: Promise<string> | undefined;
let cluster: Cluster | undefined;

/** The URL of a database on the test server with the right to create databases; starts the server once. */
export function testPostgresUrl(): Promise<string> {
  adminUrl ??= (async () => process.env['WXOA_TEST_POSTGRES_URL'] || startCluster())();
  return adminUrl;
}

/**
 * For a suite's `before` hook: a fresh empty database on the test server, or the suite is skipped when
 * PostgreSQL is not installed. Under CI nothing is skipped: a missing server fails the run.
 */
export async function createTestDatabase(ctx: Mocha.Context): Promise<TestDatabase> {
  let admin: string;
  try {
    admin = await testPostgresUrl();
  } catch (error) {
    if (error instanceof PostgresUnavailableError && !process.env['CI']) {
      console.warn(`  skipping PostgreSQL tests: ${error.message}`);
      ctx.skip();
    }
    throw error;
  }
  const name = `wxoa_test_${randomBytes(6).toString('hex')}`;
  await withClient(admin, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withClient(admin, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

/** A database made by {@link createTestDatabase}. */
export interface TestDatabase {
  url: string;
  drop(): Promise<unknown>;
}

/** Stops the cluster this process started, if any, and deletes its files. */
export function stopTestPostgres(): void {
  const current = cluster;
  cluster = undefined;
  adminUrl = undefined;
  if (!current) return;
  spawnSync(...asPostgresUser(current.pgCtl, ['-D', current.dataDir, '-m', 'immediate', '-w', 'stop']), {
    cwd: current.dir,
    stdio: 'ignore',
  });
  rmSync(current.dir, { recursive: true, force: true });
}

// A root-level hook: runs once after every test file, whichever of them started the cluster. The exit handler
// covers a run that dies before reaching it.
if (typeof after === 'function') after(stopTestPostgres);
process.on('exit', stopTestPostgres);

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** A cluster of a test's own, for tests that stop and start PostgreSQL (never the shared one). */
export interface PrivateCluster {
  /** The `postgres` database's URL; the port stays the same across restarts. */
  url: string;
  /** Stops the server at once (`-m immediate`: open connections are cut, as in a crash or failover). */
  stop(): void;
  /** Starts it again on the same port and data. */
  start(): void;
  /** Stops it and deletes its files. */
  dispose(): void;
}

/**
 * Starts a throwaway cluster owned by the caller (initdb into a temp dir). Throws PostgresUnavailableError
 * when no server binaries are installed.
 */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const own = await initCluster();
  const { dir, dataDir, pgCtl } = own;
  const disposeOnExit = (): void => dispose();
  const dispose = (): void => {
    process.off('exit', disposeOnExit);
    spawnSync(...asPostgresUser(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']), {
      cwd: dir,
      stdio: 'ignore',
    });
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', disposeOnExit);
  try {
    const { url, options } = await startOn(own, true);
    return {
      url,
      stop: () => run(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], dir),
      start: () =>
        run(
          pgCtl,
          ['-D', dataDir, '-l', join(dir, 'postgres.log'), '-w', '-t', '60', '-o', options, 'start'],
          dir,
        ),
      dispose,
    };
  } catch (error) {
    dispose();
    throw error;
  }
}

async function initCluster(): Promise<Cluster> {
  const bin = findPostgresBin();
  if (!bin) {
    throw new PostgresUnavailableError(
      'no PostgreSQL server binaries (initdb, pg_ctl) found on PATH or in /usr/lib/postgresql/*/bin; ' +
        'install postgresql or set WXOA_TEST_POSTGRES_URL',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'wxoa-pg-'));
  const dataDir = join(dir, 'data');
  const owner = systemUserIds();
  if (owner) chownSync(dir, owner.uid, owner.gid);
  run(
    join(bin, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '-N'],
    dir,
  );
  return { dir, dataDir, pgCtl: join(bin, 'pg_ctl') };
}

/** Starts an initialized cluster on a free port; returns its URL and the server options used. */
async function startOn(
  { dir, dataDir, pgCtl }: Cluster,
  durable = false,
): Promise<{ url: string; options: string }> {
  // A port is free when we ask, but another process may take it before the server binds: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const options = [
      "-c listen_addresses='127.0.0.1'",
      `-p ${port}`,
      `-c unix_socket_directories='${dir}'`,
      // Throwaway data: durability only costs time.
      // A cluster that is stopped with -m immediate keeps what it committed only with synchronous commits
      // (fsync is about the OS crashing, which these tests do not do).
      `-c fsync=off -c synchronous_commit=${durable ? 'on' : 'off'} -c full_page_writes=off`,
      '-c max_connections=200',
    ].join(' ');
    try {
      run(
        pgCtl,
        ['-D', dataDir, '-l', join(dir, 'postgres.log'), '-w', '-t', '60', '-o', options, 'start'],
        dir,
      );
      return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, options };
    } catch (error) {
      if (attempt >= 3) {
        const log = existsSync(join(dir, 'postgres.log'))
          ? readFileSync(join(dir, 'postgres.log'), 'utf8')
          : '';
        throw new Error(`could not start PostgreSQL: ${String(error)}\n${log}`, { cause: error });
      }
    }
  }
}

async function startCluster(): Promise<string> {
  cluster = await initCluster();
  return (await startOn(cluster)).url;
}

function run(command: string, args: string[], cwd: string): void {
  execFileSync(...asPostgresUser(command, args), { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** As root, wraps the command in runuser; otherwise runs it as the current user. */
function asPostgresUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['runuser', ['-u', POSTGRES_SYSTEM_USER, '--', command, ...args]];
}

function systemUserIds(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  if (spawnSync('id', ['-u', POSTGRES_SYSTEM_USER], { stdio: 'ignore' }).status !== 0) {
    execFileSync('useradd', [
      '--system',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      POSTGRES_SYSTEM_USER,
    ]);
  }
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, POSTGRES_SYSTEM_USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function findPostgresBin(): string | null {
  const explicit = process.env['WXOA_TEST_POSTGRES_BIN'];
  if (explicit) return explicit;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const initdb = join(dir, 'initdb');
    if (dir && existsSync(initdb) && existsSync(join(dir, 'pg_ctl'))) return dirname(realpathSync(initdb));
  }
  // Debian installs server binaries off PATH, one folder per major version.
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
