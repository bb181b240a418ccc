import type { LocalTag, TagRepo } from '../followers/tag-repo.js';
import type { Db } from './db.js';
import { chunk, placeholders } from './sql-chunks.js';
import { stripTag } from './sql-follower-tags.js';

/** TagRepo on either database: wechat_tags, follower_tags (kept by triggers) and followers.blacklisted. */
export class SqlTagRepo implements TagRepo {
  constructor(
    private readonly db: Db,
    private readonly clock: () => number,
  ) {}

  async tags(appid: string): Promise<LocalTag[]> {
    const rows = await this.db.all<{ id: number | string; name: string; count: number | string }>(
      'SELECT id, name, count FROM wechat_tags WHERE appid = ? ORDER BY id',
      [appid],
    );
    return rows.map((r) => ({ id: Number(r.id), name: r.name, count: Number(r.count) }));
  }

  async replaceTags(appid: string, tags: readonly LocalTag[]): Promise<number[]> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const held = await tx.all<{ id: number | string }>('SELECT id FROM wechat_tags WHERE appid = ?', [
        appid,
      ]);
      const listed = new Set(tags.map((t) => t.id));
      const removed = held.map((r) => Number(r.id)).filter((id) => !listed.has(id));
      for (const id of removed) {
        await tx.run('DELETE FROM wechat_tags WHERE appid = ? AND id = ?', [appid, id]);
        await stripTag(tx, appid, id, now);
      }
      for (const tag of tags) await upsertTag(tx, appid, tag);
      return removed;
    });
  }

  async putTag(appid: string, tag: LocalTag): Promise<void> {
    await upsertTag(this.db, appid, tag);
  }

  async removeTag(appid: string, id: number): Promise<void> {
    const now = this.clock();
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM wechat_tags WHERE appid = ? AND id = ?', [appid, id]);
      await stripTag(tx, appid, id, now);
    });
  }

  async memberCount(appid: string, id: number): Promise<number> {
    const row = await this.db.get<{ n: number | string }>(
      'SELECT COUNT(*) AS n FROM follower_tags WHERE appid = ? AND tag_id = ?',
      [appid, id],
    );
    return Number(row?.n ?? 0);
  }

  async setRemark(appid: string, openid: string, remark: string): Promise<boolean> {
    const changed = await this.db.run(
      'UPDATE followers SET remark = ?, updated_at = ? WHERE appid = ? AND openid = ?',
      [remark, this.clock(), appid, openid],
    );
    return changed > 0;
  }

  async blacklist(appid: string): Promise<string[]> {
    // The partial index followers_blacklisted: the blacklisted few, not the million.
    const rows = await this.db.all<{ openid: string }>(
      'SELECT openid FROM followers WHERE appid = ? AND blacklisted = 1 ORDER BY openid',
      [appid],
    );
    return rows.map((r) => r.openid);
  }

  async replaceBlacklist(appid: string, openids: readonly string[]): Promise<void> {
    const now = this.clock();
    const wanted = new Set(openids);
    await this.db.transaction(async (tx) => {
      const held = await tx.all<{ openid: string }>(
        'SELECT openid FROM followers WHERE appid = ? AND blacklisted = 1',
        [appid],
      );
      const gone = held.map((r) => r.openid).filter((o) => !wanted.has(o));
      for (const slice of chunk(gone)) {
        await tx.run(
          `UPDATE followers SET blacklisted = 0, updated_at = ?
           WHERE appid = ? AND openid IN (${placeholders(slice.length)})`,
          [now, appid, ...slice],
        );
      }
      for (const slice of chunk([...wanted])) {
        await tx.run(
          `UPDATE followers SET blacklisted = 1, updated_at = ?
           WHERE appid = ? AND blacklisted = 0 AND openid IN (${placeholders(slice.length)})`,
          [now, appid, ...slice],
        );
      }
    });
  }
}

async function upsertTag(
  q: { run(sql: string, params?: readonly (string | number)[]): Promise<number> },
  appid: string,
  tag: LocalTag,
): Promise<void> {
  await q.run(
    `INSERT INTO wechat_tags (appid, id, name, count) VALUES (?, ?, ?, ?)
     ON CONFLICT (appid, id) DO UPDATE SET name = excluded.name, count = excluded.count`,
    [appid, tag.id, tag.name, tag.count],
  );
}
