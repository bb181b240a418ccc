import type { Db } from './db.js';
import type { AppIdentityInput, IdentityRepo, RecordedIdentity } from '../identities/identity-repo.js';
import type { AppType, Identity, IdentitySource } from '../identities/identity.js';
import { placeholders } from './sql-chunks.js';

interface IdentityRow {
  appid: string;
  openid: string;
  unionid: string | null;
  source: IdentitySource;
  app_type: AppType;
  first_seen: number | string;
  last_seen: number | string;
  scope: string | null;
  subscribed: number | string | null;
  enriched_at: number | string | null;
}

/**
 * The identities of every source as one relation: followers (user/info), the Official Accounts' web
 * sign-ins (snapshot-page visitors left out: their OpenIDs are virtual) and the Open Platform's apps.
 * `WHERE` conditions are given per branch, so each uses its table's indexes.
 */
function allIdentities(where: { followers: string; oauth: string; apps: string }): string {
  return `SELECT appid, openid, unionid, 'follower' AS source, 'official_account' AS app_type,
      created_at AS first_seen, updated_at AS last_seen, CAST(NULL AS TEXT) AS scope,
      subscribed, enriched_at
    FROM followers WHERE ${where.followers}
    UNION ALL
    SELECT appid, openid, unionid, 'oauth', 'official_account', created_at, updated_at, scope, NULL, NULL
    FROM oauth_identities WHERE is_snapshot_user = 0 AND ${where.oauth}
    UNION ALL
    SELECT appid, openid, unionid, source, app_type, first_seen_at, last_seen_at, scope, NULL, NULL
    FROM app_identities WHERE ${where.apps}`;
}

const ORDER = ' ORDER BY appid, openid, source';

/**
 * How long "this app has never had a UnionID" is believed before it is looked up again. Finding that out
 * can walk every follower of an unbound account (none has a UnionID to stop at), so it is not done on each
 * page view; once an app has had one it stays bound, and that is remembered for good.
 */
const NOT_BOUND_TTL_MS = 60_000;

/** IdentityRepo on either database. */
export class SqlIdentityRepo implements IdentityRepo {
  private readonly bound = new Set<string>();
  private readonly notBoundUntil = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly clock: () => number,
  ) {}

  async record(input: AppIdentityInput): Promise<RecordedIdentity> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const known = await tx.get<{ unionid: string }>(
        `SELECT unionid FROM app_identities WHERE appid = ? AND openid = ? AND unionid IS NOT NULL`,
        [input.appid, input.openid],
      );
      const unionid = known?.unionid ?? input.unionid;
      const conflictingUnionid =
        known && input.unionid !== null && input.unionid !== known.unionid ? input.unionid : null;
      await tx.run(
        `INSERT INTO app_identities
           (appid, openid, source, app_type, unionid, scope, nickname, first_seen_at, last_seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (appid, openid, source) DO UPDATE SET
           unionid = COALESCE(app_identities.unionid, excluded.unionid),
           scope = COALESCE(excluded.scope, app_identities.scope),
           nickname = COALESCE(excluded.nickname, app_identities.nickname),
           last_seen_at = excluded.last_seen_at`,
        [
          input.appid,
          input.openid,
          input.source,
          input.appType,
          unionid,
          input.scope ?? null,
          input.nickname ?? null,
          now,
          now,
        ],
      );
      if (unionid !== null) {
        this.bound.add(input.appid);
        this.notBoundUntil.delete(input.appid);
      }
      return { unionid, conflictingUnionid };
    });
  }

  async union(unionid: string): Promise<Identity[]> {
    const rows = await this.db.all<IdentityRow>(
      allIdentities({ followers: 'unionid = ?', oauth: 'unionid = ?', apps: 'unionid = ?' }) + ORDER,
      [unionid, unionid, unionid],
    );
    return rows.map(toIdentity);
  }

  async ofOpenid(appid: string, openid: string): Promise<Identity[]> {
    const where = 'appid = ? AND openid = ?';
    const rows = await this.db.all<IdentityRow>(
      allIdentities({ followers: where, oauth: where, apps: where }) + ORDER,
      [appid, openid, appid, openid, appid, openid],
    );
    return rows.map(toIdentity);
  }

  async search(term: string, limit: number, appids: readonly string[]): Promise<Identity[]> {
    const value = term.trim();
    if (value === '') return [];
    // Followers and web sign-ins are keyed by (appid, openid): an OpenID is looked up per known account.
    const accounts = appids.length > 0 ? `appid IN (${placeholders(appids.length)}) AND openid = ?` : '1 = 0';
    const rows = await this.db.all<IdentityRow>(
      allIdentities({
        followers: `(${accounts} OR unionid = ?)`,
        oauth: `(${accounts} OR unionid = ?)`,
        apps: '(openid = ? OR unionid = ?)',
      }) + ORDER,
      [
        ...(appids.length > 0 ? [...appids, value] : []),
        value,
        ...(appids.length > 0 ? [...appids, value] : []),
        value,
        value,
        value,
      ],
    );
    const found = rows.map(toIdentity);
    // Everyone linked to what was found, by UnionID.
    const unionids = [...new Set(found.map((i) => i.unionid).filter((u): u is string => u !== null))];
    const byKey = new Map(found.map((i) => [key(i), i]));
    for (const u of unionids) {
      for (const i of await this.union(u)) byKey.set(key(i), i);
      if (byKey.size >= limit) break;
    }
    return [...byKey.values()].slice(0, limit);
  }

  async appsWithUnionid(appids: readonly string[]): Promise<Set<string>> {
    const bound = new Set<string>();
    const now = this.clock();
    for (const appid of new Set(appids)) {
      if (this.bound.has(appid)) {
        bound.add(appid);
        continue;
      }
      if ((this.notBoundUntil.get(appid) ?? 0) > now) continue;
      const row = await this.db.get<{ one: number }>(
        `SELECT 1 AS one WHERE
           EXISTS (SELECT 1 FROM app_identities WHERE appid = ? AND unionid IS NOT NULL)
           OR EXISTS (SELECT 1 FROM followers WHERE appid = ? AND unionid IS NOT NULL)
           OR EXISTS (SELECT 1 FROM oauth_identities WHERE appid = ? AND unionid IS NOT NULL
                        AND is_snapshot_user = 0)`,
        [appid, appid, appid],
      );
      if (row) {
        bound.add(appid);
        this.bound.add(appid);
        this.notBoundUntil.delete(appid);
      } else this.notBoundUntil.set(appid, now + NOT_BOUND_TTL_MS);
    }
    return bound;
  }
}

function key(i: Identity): string {
  return `${i.appid}\u0000${i.openid}\u0000${i.source}`;
}

function toIdentity(row: IdentityRow): Identity {
  const follower = row.source === 'follower';
  return {
    appid: row.appid,
    appType: row.app_type,
    openid: row.openid,
    unionid: row.unionid,
    source: row.source,
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
    scope: row.scope,
    subscribed: follower ? Number(row.subscribed) === 1 : null,
    enriched: follower ? row.enriched_at !== null : null,
  };
}
