import type { Migration } from '../migrate.js';

/**
 * The last WeChat API failure of each account (issue 10: a wrong AppSecret must not hide behind "waiting for
 * WeChat…"), shared by every instance. `cleared_at` is set by a later success; the failure stays for
 * reference. Version 5: other schema steps of the same release take 2–4.
 */
export const wechatApiStatus: Migration = {
  version: 5,
  name: 'wechat-api-status',
  up: ({ int64, keyText }) => [
    `CREATE TABLE wechat_api_status (
      appid ${keyText} PRIMARY KEY,
      failed_at ${int64} NOT NULL,
      endpoint TEXT NOT NULL,
      errcode INTEGER,
      message TEXT NOT NULL,
      hint TEXT,
      cleared_at ${int64}
    )`,
  ],
};
