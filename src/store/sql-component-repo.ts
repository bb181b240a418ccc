import { createHash } from 'node:crypto';
import type {
  AuthorizationInput,
  Authorizer,
  ComponentRepo,
  RefreshedAuthorizerToken,
  StoredTicket,
} from '../component/component-repo.js';
import { AuthorizerUnavailableError } from '../component/component-repo.js';
import { SingleFlight } from '../wechat-api/single-flight.js';
import type { StoredToken } from '../wechat-api/token-store.js';
import { isTokenUsable } from '../wechat-api/token-usable.js';
import type { Db, Queryable } from './db.js';

// The same statement and lock key as SqlTokenStore: an authorizer's access token is an access token.
const UPSERT_TOKEN = `INSERT INTO access_tokens (appid, token, expires_at, updated_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (appid) DO UPDATE SET
    token = excluded.token, expires_at = excluded.expires_at, updated_at = excluded.updated_at`;

const AUTHORIZER_COLUMNS = `component_appid, appid, refresh_token, func_info, name, user_name, authorized,
  authorized_at, unauthorized_at`;

interface AuthorizerRow {
  component_appid: string;
  appid: string;
  refresh_token: string | null;
  func_info: string;
  name: string | null;
  user_name: string | null;
  authorized: number;
  authorized_at: number | string;
  unauthorized_at: number | string | null;
}

/** The platform's ticket, authorizers and exchanged codes (migration 13), on SQLite or PostgreSQL. */
export class SqlComponentRepo implements ComponentRepo {
  private readonly flights = new SingleFlight<string, StoredToken>();

  constructor(
    private readonly db: Db,
    private readonly clock: () => number,
  ) {}

  async saveTicket(componentAppid: string, ticket: string, createTime: number): Promise<void> {
    // A delayed retry of an older push must not replace a newer ticket.
    await this.db.run(
      `INSERT INTO component_tickets (component_appid, ticket, create_time, received_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (component_appid) DO UPDATE SET
         ticket = excluded.ticket, create_time = excluded.create_time, received_at = excluded.received_at
       WHERE component_tickets.create_time <= excluded.create_time`,
      [componentAppid, ticket, createTime, this.clock()],
    );
  }

  async ticket(componentAppid: string): Promise<StoredTicket | null> {
    const row = await this.db.get<{ ticket: string; create_time: number; received_at: number }>(
      'SELECT ticket, create_time, received_at FROM component_tickets WHERE component_appid = ?',
      [componentAppid],
    );
    return row
      ? { ticket: row.ticket, createTime: Number(row.create_time), receivedAt: Number(row.received_at) }
      : null;
  }

  async claimAuthCode(componentAppid: string, code: string): Promise<boolean> {
    const changed = await this.db.run(
      `INSERT INTO component_auth_codes (code_hash, component_appid, appid, used_at) VALUES (?, ?, NULL, ?)
       ON CONFLICT (code_hash) DO NOTHING`,
      [codeHash(code), componentAppid, this.clock()],
    );
    return changed === 1;
  }

  async releaseAuthCode(code: string): Promise<void> {
    await this.db.run('DELETE FROM component_auth_codes WHERE code_hash = ?', [codeHash(code)]);
  }

  async saveAuthorization(input: AuthorizationInput): Promise<void> {
    const { componentAppid, appid, refreshToken, funcInfo, accessToken, at } = input;
    await this.db.transaction(async (tx) => {
      await tx.lock(`wxoa:access_token:${appid}`);
      await tx.run(
        `INSERT INTO component_authorizers (component_appid, appid, refresh_token, func_info, authorized,
           authorized_at, unauthorized_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, NULL, ?)
         ON CONFLICT (component_appid, appid) DO UPDATE SET
           refresh_token = excluded.refresh_token, func_info = excluded.func_info, authorized = 1,
           authorized_at = excluded.authorized_at, unauthorized_at = NULL, updated_at = excluded.updated_at`,
        [componentAppid, appid, refreshToken, JSON.stringify(funcInfo), at, at],
      );
      // The new authorization's token replaces any older one at once: a token of the previous
      // authorization is never handed out again.
      await tx.run(UPSERT_TOKEN, [appid, accessToken.token, accessToken.expiresAt, at]);
    });
  }

  async setAuthorizerInfo(
    componentAppid: string,
    appid: string,
    info: { name: string; userName: string; funcInfo: number[] },
  ): Promise<void> {
    await this.db.run(
      `UPDATE component_authorizers SET name = ?, user_name = ?, func_info = ?, updated_at = ?
       WHERE component_appid = ? AND appid = ?`,
      [info.name, info.userName, JSON.stringify(info.funcInfo), this.clock(), componentAppid, appid],
    );
  }

  async markUnauthorized(componentAppid: string, appid: string, at: number): Promise<boolean> {
    const changed = await this.db.run(
      `UPDATE component_authorizers SET authorized = 0, unauthorized_at = ?, updated_at = ?
       WHERE component_appid = ? AND appid = ?`,
      [at, at, componentAppid, appid],
    );
    return changed > 0;
  }

  async authorizer(componentAppid: string, appid: string): Promise<Authorizer | null> {
    const row = await this.db.get<AuthorizerRow>(
      `SELECT ${AUTHORIZER_COLUMNS} FROM component_authorizers WHERE component_appid = ? AND appid = ?`,
      [componentAppid, appid],
    );
    return row ? toAuthorizer(row) : null;
  }

  async authorizers(componentAppid: string): Promise<Authorizer[]> {
    const rows = await this.db.all<AuthorizerRow>(
      `SELECT ${AUTHORIZER_COLUMNS} FROM component_authorizers WHERE component_appid = ? ORDER BY authorized_at, appid`,
      [componentAppid],
    );
    return rows.map(toAuthorizer);
  }

  async restoreRefreshTokens(
    componentAppid: string,
    list: ReadonlyArray<{ appid: string; refreshToken: string; authTime: number }>,
    at: number,
  ): Promise<number> {
    return this.db.transaction(async (tx) => {
      let changed = 0;
      for (const { appid, refreshToken, authTime } of list) {
        changed += await tx.run(
          `INSERT INTO component_authorizers (component_appid, appid, refresh_token, func_info, authorized,
             authorized_at, unauthorized_at, updated_at) VALUES (?, ?, ?, '[]', 1, ?, NULL, ?)
           ON CONFLICT (component_appid, appid) DO UPDATE SET
             refresh_token = excluded.refresh_token, authorized = 1, unauthorized_at = NULL,
             updated_at = excluded.updated_at`,
          [componentAppid, appid, refreshToken, authTime * 1000, at],
        );
      }
      return changed;
    });
  }

  refreshAuthorizerToken(
    componentAppid: string,
    appid: string,
    failedToken: string | null,
    minValidMs: number,
    fetch: (refreshToken: string) => Promise<RefreshedAuthorizerToken>,
  ): Promise<StoredToken> {
    return this.flights.run(appid, async () => {
      const usable = (token: StoredToken | null): token is StoredToken =>
        token !== null && isTokenUsable(token, failedToken, minValidMs, this.clock());
      const store = async (tx: Queryable, fresh: RefreshedAuthorizerToken, used: string) => {
        // The rotated refresh token and the access token it came with, together: a crash between the two
        // would otherwise leave a refresh token WeChat no longer accepts (61023).
        await tx.run(UPSERT_TOKEN, [appid, fresh.token, fresh.expiresAt, this.clock()]);
        const changed = await tx.run(
          `UPDATE component_authorizers SET refresh_token = ?, updated_at = ?
           WHERE component_appid = ? AND appid = ? AND refresh_token = ?`,
          [fresh.refreshToken, this.clock(), componentAppid, appid, used],
        );
        if (changed === 0) throw new Error(`the refresh token of ${appid} changed during its refresh`);
      };

      if (this.db.dialect === 'postgres') {
        return this.db.transaction(async (tx) => {
          await tx.lock(`wxoa:access_token:${appid}`);
          const current = await readToken(tx, appid);
          if (usable(current)) return current;
          const refreshToken = await usableRefreshToken(tx, componentAppid, appid);
          const fresh = await fetch(refreshToken);
          await store(tx, fresh, refreshToken);
          return { token: fresh.token, expiresAt: fresh.expiresAt };
        });
      }
      // SQLite: the fetch runs outside the write lock, as in SqlTokenStore.
      const current = await readToken(this.db, appid);
      if (usable(current)) return current;
      const refreshToken = await usableRefreshToken(this.db, componentAppid, appid);
      const fresh = await fetch(refreshToken);
      await this.db.transaction((tx) => store(tx, fresh, refreshToken));
      return { token: fresh.token, expiresAt: fresh.expiresAt };
    });
  }
}

async function usableRefreshToken(db: Queryable, componentAppid: string, appid: string): Promise<string> {
  const row = await db.get<{ refresh_token: string | null; authorized: number }>(
    'SELECT refresh_token, authorized FROM component_authorizers WHERE component_appid = ? AND appid = ?',
    [componentAppid, appid],
  );
  if (!row) throw new AuthorizerUnavailableError(appid, 'unknown');
  if (Number(row.authorized) !== 1) throw new AuthorizerUnavailableError(appid, 'unauthorized');
  if (!row.refresh_token) throw new AuthorizerUnavailableError(appid, 'no_refresh_token');
  return row.refresh_token;
}

async function readToken(db: Queryable, appid: string): Promise<StoredToken | null> {
  const row = await db.get<{ token: string; expires_at: number }>(
    'SELECT token, expires_at FROM access_tokens WHERE appid = ?',
    [appid],
  );
  return row ? { token: row.token, expiresAt: Number(row.expires_at) } : null;
}

function toAuthorizer(row: AuthorizerRow): Authorizer {
  let funcInfo: number[] = [];
  try {
    const parsed: unknown = JSON.parse(row.func_info);
    if (Array.isArray(parsed)) funcInfo = parsed.filter((n): n is number => typeof n === 'number');
  } catch {
    funcInfo = [];
  }
  return {
    componentAppid: row.component_appid,
    appid: row.appid,
    name: row.name,
    userName: row.user_name,
    authorized: Number(row.authorized) === 1,
    funcInfo,
    authorizedAt: Number(row.authorized_at),
    unauthorizedAt: row.unauthorized_at === null ? null : Number(row.unauthorized_at),
    hasRefreshToken: Boolean(row.refresh_token),
  };
}

/** Codes are single-use secrets: only their hash is kept. */
function codeHash(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}
