import type { Db } from './db.js';
import type { SyncStateRepo } from '../followers/sync-state-repo.js';

type SyncState = { syncId: string; nextOpenid: string | null; listed: number };

/** SyncStateRepo on either database. */
export class SqlSyncStateRepo implements SyncStateRepo {
  constructor(
    private readonly db: Db,
    private readonly clock: () => number,
  ) {}

  async get(appid: string): Promise<SyncState | null> {
    const row = await this.db.get<{ sync_id: string; next_openid: string | null; listed: number }>(
      'SELECT sync_id, next_openid, listed FROM sync_state WHERE appid = ?',
      [appid],
    );
    return row ? { syncId: row.sync_id, nextOpenid: row.next_openid, listed: Number(row.listed) } : null;
  }

  async set(appid: string, state: SyncState): Promise<void> {
    await this.db.run(
      `INSERT INTO sync_state (appid, sync_id, next_openid, listed, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (appid) DO UPDATE SET
         sync_id = excluded.sync_id, next_openid = excluded.next_openid, listed = excluded.listed,
         updated_at = excluded.updated_at`,
      [appid, state.syncId, state.nextOpenid, state.listed, this.clock()],
    );
  }

  async clear(appid: string): Promise<void> {
    await this.db.run('DELETE FROM sync_state WHERE appid = ?', [appid]);
  }
}
