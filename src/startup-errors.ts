import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { parseDatabaseUrl } from './store/database-url.js';

/**
 * Errors of the infrastructure around the server (database, port), said the way an operator can act on: the
 * setting that points there and the fix (issue 10). Never the DATABASE_URL's password.
 */

/** A start-up failure whose message is meant for the operator as is. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** Throws a StartupError naming PORT when `port` on `host` is taken; checked before anything else starts. */
export async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((done, fail) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? 'is already in use (EADDRINUSE): stop the other server, or set PORT to a free port'
          : `cannot be opened (${err.code ?? err.message}): set PORT (and HOST) to a port this user may listen on`;
      fail(new StartupError(`port ${port} on ${host} ${why}`));
    });
    probe.listen(port, host, () => probe.close(() => done()));
  });
}

/** Where DATABASE_URL points, without a password: an absolute SQLite path or `host:port/database`. */
export function databaseLocation(databaseUrl: string, cwd = process.cwd()): string {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind === 'sqlite') return target.path === ':memory:' ? ':memory:' : resolve(cwd, target.path);
  try {
    const u = new URL(target.connectionString);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

/**
 * The database error `err`, with what to do about it; `err` itself when it is not one of the known
 * infrastructure failures (a schema newer than this build says so itself).
 */
export function explainDatabaseError(err: unknown, databaseUrl: string, cwd = process.cwd()): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  const code = errorCode(err);
  const where = databaseLocation(databaseUrl, cwd);
  if (parseDatabaseUrl(databaseUrl).kind === 'sqlite') {
    if (
      [
        'EACCES',
        'EPERM',
        'EROFS',
        'ENOTDIR',
        'EEXIST',
        'SQLITE_CANTOPEN',
        'SQLITE_READONLY',
        'SQLITE_PERM',
      ].includes(code ?? '')
    ) {
      return new StartupError(
        `cannot write the SQLite database at ${where} (${code}): make its folder writable by this user, ` +
          'or set DATABASE_URL=sqlite:/a/writable/path/wxoa.db',
        { cause: err },
      );
    }
    return err;
  }
  const fix = 'start PostgreSQL or fix DATABASE_URL (postgres://user:password@host:5432/database)';
  switch (code) {
    case 'ECONNREFUSED':
      return new StartupError(`PostgreSQL at ${where} refused the connection (ECONNREFUSED): ${fix}`, {
        cause: err,
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(
        `PostgreSQL host of ${where} is not known (${code}): fix the host in DATABASE_URL`,
        {
          cause: err,
        },
      );
    case 'ETIMEDOUT':
      return new StartupError(`PostgreSQL at ${where} did not answer (ETIMEDOUT): ${fix}`, { cause: err });
    case '28P01':
    case '28000':
      return new StartupError(
        `PostgreSQL at ${where} refused the login: check the user and password in DATABASE_URL`,
        { cause: err },
      );
    case '3D000':
      return new StartupError(
        `PostgreSQL at ${where}: the database does not exist; create it (createdb) or fix DATABASE_URL`,
        { cause: err },
      );
    default:
      return err;
  }
}

/** `code` of a Node or driver error, or of the first error inside an AggregateError (localhost → ::1 and 127.0.0.1). */
function errorCode(err: Error): string | undefined {
  const own = (err as { code?: unknown }).code;
  if (typeof own === 'string' && own !== '') return own;
  const inner = (err as { errors?: unknown }).errors;
  if (Array.isArray(inner) && inner[0] instanceof Error) return errorCode(inner[0]);
  return undefined;
}
