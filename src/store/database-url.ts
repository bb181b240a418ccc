import { DatabaseUrlError } from './errors.js';

/** Where a DATABASE_URL points: an SQLite file (or `:memory:`) or a PostgreSQL connection string. */
export type DatabaseTarget =
  { kind: 'sqlite'; path: string } | { kind: 'postgres'; connectionString: string };

/**
 * Parses DATABASE_URL (INTERFACE.md §2): `sqlite:PATH` (relative to the working directory; `sqlite:///abs` is
 * also accepted), `sqlite::memory:`, or `postgres://…` / `postgresql://…`.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const trimmed = url.trim();
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return { kind: 'postgres', connectionString: trimmed };
  if (/^sqlite:/i.test(trimmed)) {
    let path = trimmed.slice('sqlite:'.length);
    // sqlite:///var/lib/wxoa.db is the URL spelling of an absolute path; keep one leading slash.
    if (path.startsWith('///')) path = path.slice(2);
    else if (path.startsWith('//')) {
      throw new DatabaseUrlError(
        'DATABASE_URL "sqlite://…" is ambiguous; write sqlite:relative/path.db or sqlite:/absolute/path.db',
      );
    }
    if (path === '')
      throw new DatabaseUrlError('DATABASE_URL "sqlite:" needs a file path, e.g. sqlite:data/wxoa.db');
    return { kind: 'sqlite', path };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1];
  throw new DatabaseUrlError(
    `DATABASE_URL must start with sqlite: or postgres:// (got ${scheme ? `"${scheme}:"` : 'no scheme'}); ` +
      'e.g. sqlite:data/wxoa.db or postgres://user:password@host:5432/wxoa',
  );
}
