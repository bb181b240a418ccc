import type { Queryable } from './db.js';
import type { UnionIdConflict, UnionIdSource } from './types.js';

interface ConflictRow {
  appid: string;
  openid: string;
  kept_unionid: string;
  reported_unionid: string;
  source: UnionIdSource;
  first_seen_at: number;
  last_seen_at: number;
  times: number;
}

/**
 * Records that WeChat reported `reported` for an OpenID whose kept UnionID is `kept` (issue 10): a repeat
 * of the same report counts up rather than adding a row. Returns the conflict as now stored.
 */
export async function recordUnionIdConflict(
  tx: Queryable,
  c: { appid: string; openid: string; kept: string; reported: string; source: UnionIdSource },
  now: number,
): Promise<UnionIdConflict> {
  const rows = await tx.all<ConflictRow>(
    `INSERT INTO unionid_conflicts
       (appid, openid, kept_unionid, reported_unionid, source, first_seen_at, last_seen_at, times)
     VALUES (?, ?, ?, ?, ?, ?, ?, 1)
     ON CONFLICT (appid, openid, reported_unionid, source) DO UPDATE SET
       last_seen_at = excluded.last_seen_at, times = unionid_conflicts.times + 1
     RETURNING appid, openid, kept_unionid, reported_unionid, source, first_seen_at, last_seen_at, times`,
    [c.appid, c.openid, c.kept, c.reported, c.source, now, now],
  );
  return toConflict(rows[0] as ConflictRow);
}

/** Every other UnionID WeChat reported for this OpenID, oldest first. */
export async function listUnionIdConflicts(
  db: Queryable,
  appid: string,
  openid: string,
): Promise<UnionIdConflict[]> {
  const rows = await db.all<ConflictRow>(
    `SELECT appid, openid, kept_unionid, reported_unionid, source, first_seen_at, last_seen_at, times
     FROM unionid_conflicts WHERE appid = ? AND openid = ? ORDER BY first_seen_at, id`,
    [appid, openid],
  );
  return rows.map(toConflict);
}

function toConflict(row: ConflictRow): UnionIdConflict {
  return {
    appid: row.appid,
    openid: row.openid,
    keptUnionid: row.kept_unionid,
    reportedUnionid: row.reported_unionid,
    source: row.source,
    firstSeenAt: new Date(Number(row.first_seen_at)).toISOString(),
    lastSeenAt: new Date(Number(row.last_seen_at)).toISOString(),
    times: Number(row.times),
  };
}
