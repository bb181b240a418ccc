import type { Queryable } from './db.js';
import { chunk, placeholders } from './sql-chunks.js';

/**
 * Rewrites the tags of some followers with `change` (add or remove ids) and stores the ones that changed.
 * The follower_tags rows follow through migration 14's triggers. Followers not held locally are skipped.
 */
export async function changeFollowerTags(
  tx: Queryable,
  appid: string,
  openids: readonly string[],
  change: (tags: number[]) => number[],
  now: number,
): Promise<void> {
  for (const slice of chunk([...new Set(openids)])) {
    const rows = await tx.all<{ openid: string; tags: string }>(
      `SELECT openid, tags FROM followers WHERE appid = ? AND openid IN (${placeholders(slice.length)})`,
      [appid, ...slice],
    );
    const changed: Array<[string, string]> = [];
    for (const row of rows) {
      const before = parseTagList(row.tags);
      const after = change(before);
      if (after.length === before.length && after.every((id, i) => id === before[i])) continue;
      changed.push([row.openid, JSON.stringify(after)]);
    }
    if (changed.length === 0) continue;
    // One statement for the slice: a round trip per follower made a batch of 50 cost 50 (250 ms on a busy
    // PostgreSQL).
    await tx.run(
      `UPDATE followers SET tags = CASE openid ${changed.map(() => 'WHEN ? THEN ?').join(' ')} END, updated_at = ?
       WHERE appid = ? AND openid IN (${placeholders(changed.length)})`,
      [...changed.flat(), now, appid, ...changed.map(([openid]) => openid)],
    );
  }
}

/** Removes a tag from every local follower carrying it, found through follower_tags. */
export async function stripTag(tx: Queryable, appid: string, id: number, now: number): Promise<void> {
  const rows = await tx.all<{ openid: string }>(
    'SELECT openid FROM follower_tags WHERE appid = ? AND tag_id = ?',
    [appid, id],
  );
  await changeFollowerTags(
    tx,
    appid,
    rows.map((r) => r.openid),
    (tags) => tags.filter((t) => t !== id),
    now,
  );
}

function parseTagList(json: string): number[] {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.filter((t): t is number => typeof t === 'number') : [];
  } catch {
    return [];
  }
}
