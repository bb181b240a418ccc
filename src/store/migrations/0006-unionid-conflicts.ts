import type { Migration } from '../migrate.js';

/**
 * A UnionID never changes for an OpenID (WECHAT-PROTOCOL.md §6.2). When WeChat reports a different one
 * anyway (user/info, OAuth), the first value stays on the follower and every other value reported is kept
 * here, with where it came from and when, for the operator to look into (issue 10).
 */
export const unionIdConflicts: Migration = {
  version: 6,
  name: 'unionid-conflicts',
  up: ({ idColumn, int64, keyText }) => [
    `CREATE TABLE unionid_conflicts (
      id ${idColumn},
      appid ${keyText} NOT NULL,
      openid ${keyText} NOT NULL,
      kept_unionid ${keyText} NOT NULL,
      reported_unionid ${keyText} NOT NULL,
      source TEXT NOT NULL,
      first_seen_at ${int64} NOT NULL,
      last_seen_at ${int64} NOT NULL,
      times ${int64} NOT NULL DEFAULT 1,
      UNIQUE (appid, openid, reported_unionid, source)
    )`,
  ],
};
