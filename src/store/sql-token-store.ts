import type { StoredToken, TokenStore } from '../wechat-api/token-store.js';
import type { Db, Queryable } from './db.js';
import { SingleFlight } from '../wechat-api/single-flight.js';
import { isTokenUsable } from '../wechat-api/token-usable.js';

const UPSERT_TOKEN = `INSERT INTO access_tokens (appid, token, expires_at, updated_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (appid) DO UPDATE SET
    token = excluded.token, expires_at = excluded.expires_at, updated_at = excluded.updated_at`;

/**
 * Access tokens in the database, shared by every instance. Within a process concurrent refresh() calls share
 * one run; across instances:
 *  - PostgreSQL: the run holds an advisory transaction lock on the account while it checks, fetches and
 *    stores, so an instance that waited finds the fresh token and does not fetch again.
 *  - SQLite (one host, normally one process): the fetch runs outside any transaction. Holding SQLite's single
 *    write lock across a network call would stall every other write, and better-sqlite3 waits for a lock by
 *    blocking the event loop; two processes refreshing at the same moment may therefore both fetch.
 */
export class SqlTokenStore implements TokenStore {
  private readonly flights = new SingleFlight<string, StoredToken>();

  constructor(
    private readonly db: Db,
    private readonly clock: () => number,
  ) {}

  get(appid: string): Promise<StoredToken | null> {
    return readToken(this.db, appid);
  }

  refresh(
    appid: string,
    failedToken: string | null,
    minValidMs: number,
    fetch: () => Promise<StoredToken>,
  ): Promise<StoredToken> {
    return this.flights.run(appid, async () => {
      const usable = (token: StoredToken | null): token is StoredToken =>
        token !== null && isTokenUsable(token, failedToken, minValidMs, this.clock());

      if (this.db.dialect === 'postgres') {
        return this.db.transaction(async (tx) => {
          await tx.lock(`wxoa:access_token:${appid}`);
          const current = await readToken(tx, appid);
          if (usable(current)) return current;
          const fresh = await fetch();
          await tx.run(UPSERT_TOKEN, [appid, fresh.token, fresh.expiresAt, this.clock()]);
          return { token: fresh.token, expiresAt: fresh.expiresAt };
        });
      }

      const current = await readToken(this.db, appid);
      if (usable(current)) return current;
      const fresh = await fetch();
      await this.db.transaction((tx) =>
        tx.run(UPSERT_TOKEN, [appid, fresh.token, fresh.expiresAt, this.clock()]),
      );
      return { token: fresh.token, expiresAt: fresh.expiresAt };
    });
  }
}

async function readToken(db: Queryable, appid: string): Promise<StoredToken | null> {
  const row = await db.get<{ token: string; expires_at: number }>(
    'SELECT token, expires_at FROM access_tokens WHERE appid = ?',
    [appid],
  );
  return row ? { token: row.token, expiresAt: Number(row.expires_at) } : null;
}
