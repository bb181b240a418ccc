import type { ApiFailure, ApiFailureStore } from '../wechat-api/api-failure.js';
import type { Db } from './db.js';

type Row = {
  appid: string;
  failed_at: number | string;
  endpoint: string;
  errcode: number | string | null;
  message: string;
  hint: string | null;
};

/** The last WeChat API failure of each account, on either database. */
export class SqlApiStatusRepo implements ApiFailureStore {
  constructor(private readonly db: Db) {}

  async recordFailure(f: ApiFailure): Promise<void> {
    await this.db.run(
      `INSERT INTO wechat_api_status (appid, failed_at, endpoint, errcode, message, hint, cleared_at)
       VALUES (?, ?, ?, ?, ?, ?, NULL)
       ON CONFLICT (appid) DO UPDATE SET
         failed_at = excluded.failed_at, endpoint = excluded.endpoint, errcode = excluded.errcode,
         message = excluded.message, hint = excluded.hint, cleared_at = NULL`,
      [f.appid, f.at, f.endpoint, f.errcode, f.message, f.hint],
    );
  }

  async clearFailure(appid: string, at: number): Promise<boolean> {
    // Not a failure recorded after this success began to be reported (another instance's, say).
    const changed = await this.db.run(
      'UPDATE wechat_api_status SET cleared_at = ? WHERE appid = ? AND cleared_at IS NULL AND failed_at <= ?',
      [at, appid, at],
    );
    return changed > 0;
  }

  async lastFailure(appid: string): Promise<ApiFailure | null> {
    const row = await this.db.get<Row>(
      `SELECT appid, failed_at, endpoint, errcode, message, hint FROM wechat_api_status
       WHERE appid = ? AND cleared_at IS NULL`,
      [appid],
    );
    if (!row) return null;
    return {
      appid: row.appid,
      at: Number(row.failed_at),
      endpoint: row.endpoint,
      errcode: row.errcode === null ? null : Number(row.errcode),
      message: row.message,
      hint: row.hint,
    };
  }
}
