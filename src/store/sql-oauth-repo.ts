import type { Logger } from '../logger.js';
import type { Db, Queryable } from './db.js';
import { throttled } from './throttle.js';
import type { UnionIdConflict } from '../followers/follower-repo.js';
import type { OAuthIdentityInput, OAuthRepo, OAuthStateInput } from '../oauth/oauth-repo.js';
import { recordUnionIdConflict } from './unionid-conflicts.js';

/** Expired states linger this long, so a late callback is still told "expired" rather than "unknown". */
const EXPIRED_STATE_GRACE_MS = 60 * 60 * 1000;

interface StateRow {
  state: string;
  browser_hash: string;
  target: string;
  scope: OAuthStateInput['scope'];
  expires_at: number;
  created_at: number;
  appid: string | null;
}

/** Options of {@link SqlOAuthRepo}. */
export interface SqlOAuthRepoOptions {
  clock: () => number;
  logger: Logger;
}

/** OAuthRepo on either database. */
export class SqlOAuthRepo implements OAuthRepo {
  private readonly clock: () => number;
  private readonly purge: () => void;

  constructor(
    private readonly db: Db,
    options: SqlOAuthRepoOptions,
  ) {
    this.clock = options.clock;
    this.purge = throttled(
      60_000,
      this.clock,
      () =>
        this.db.run('DELETE FROM oauth_states WHERE expires_at < ?', [this.clock() - EXPIRED_STATE_GRACE_MS]),
      (error) => options.logger.warn({ err: error }, 'could not delete expired OAuth states'),
    );
  }

  async saveState(state: OAuthStateInput): Promise<void> {
    await this.db.run(
      `INSERT INTO oauth_states (state, browser_hash, target, scope, expires_at, created_at, appid)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        state.state,
        state.browserHash,
        state.target,
        state.scope,
        state.expiresAt,
        this.clock(),
        state.appid ?? null,
      ],
    );
    this.purge();
  }

  async takeState(state: string): Promise<(OAuthStateInput & { createdAt: number }) | null> {
    // One statement: of two callbacks racing with the same state, exactly one gets the row.
    const rows = await this.db.all<StateRow>(
      `DELETE FROM oauth_states WHERE state = ?
       RETURNING state, browser_hash, target, scope, expires_at, created_at, appid`,
      [state],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      state: row.state,
      browserHash: row.browser_hash,
      target: row.target,
      scope: row.scope,
      expiresAt: Number(row.expires_at),
      createdAt: Number(row.created_at),
      ...(row.appid !== null && row.appid !== undefined ? { appid: row.appid } : {}),
    };
  }

  async saveIdentity(
    identity: OAuthIdentityInput,
  ): Promise<{ unionid: string | null; conflicts: UnionIdConflict[] }> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      // The UnionID known for this OpenID: from an earlier sign-in, else as a follower of the same account.
      const known = await tx.get<{ unionid: string }>(
        `SELECT unionid FROM oauth_identities WHERE appid = ? AND openid = ? AND unionid IS NOT NULL
         UNION ALL
         SELECT unionid FROM followers WHERE appid = ? AND openid = ? AND unionid IS NOT NULL`,
        [identity.appid, identity.openid, identity.appid, identity.openid],
      );
      const conflicts: UnionIdConflict[] = [];
      // A snapshot user's openid is virtual: it never takes a real person's UnionID.
      let unionid = identity.isSnapshotUser ? identity.unionid : (identity.unionid ?? known?.unionid ?? null);
      if (known && unionid !== null && unionid !== known.unionid) {
        conflicts.push(
          await recordUnionIdConflict(
            tx,
            {
              appid: identity.appid,
              openid: identity.openid,
              kept: known.unionid,
              reported: unionid,
              source: 'oauth',
            },
            now,
          ),
        );
        unionid = known.unionid;
      }
      await this.upsertIdentity(tx, { ...identity, unionid }, now);
      return { unionid, conflicts };
    });
  }

  private async upsertIdentity(tx: Queryable, identity: OAuthIdentityInput, now: number): Promise<void> {
    // A later snsapi_base visit returns no nickname: keep what an earlier snsapi_userinfo visit gave.
    await tx.run(
      `INSERT INTO oauth_identities
         (appid, openid, unionid, scope, is_snapshot_user, nickname, headimgurl, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (appid, openid) DO UPDATE SET
         unionid = COALESCE(oauth_identities.unionid, excluded.unionid),
         scope = excluded.scope,
         is_snapshot_user = excluded.is_snapshot_user,
         nickname = COALESCE(excluded.nickname, oauth_identities.nickname),
         headimgurl = COALESCE(excluded.headimgurl, oauth_identities.headimgurl),
         updated_at = excluded.updated_at`,
      [
        identity.appid,
        identity.openid,
        identity.unionid,
        identity.scope,
        identity.isSnapshotUser,
        identity.nickname ?? null,
        identity.headimgurl ?? null,
        now,
        now,
      ],
    );
  }
}
