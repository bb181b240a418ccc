import type { Migration } from '../migrate.js';

/**
 * People across the Open Platform (issue 12, INTERFACE.md §8): the sign-ins of Mini Programs, website apps
 * and mobile apps, one row per (appid, openid, source), linked to the followers and web sign-ins of the
 * Official Accounts by UnionID. An OAuth state also remembers which website app a QR sign-in is for.
 */
export const identities: Migration = {
  version: 12,
  name: 'identities',
  up: ({ int64, keyText }) => [
    `ALTER TABLE oauth_states ADD COLUMN appid TEXT`,
    `CREATE TABLE app_identities (
      appid ${keyText} NOT NULL,
      openid ${keyText} NOT NULL,
      source TEXT NOT NULL,
      app_type TEXT NOT NULL,
      unionid ${keyText},
      scope TEXT,
      nickname TEXT,
      first_seen_at ${int64} NOT NULL,
      last_seen_at ${int64} NOT NULL,
      PRIMARY KEY (appid, openid, source)
    )`,
    `CREATE INDEX app_identities_union ON app_identities (unionid, appid, openid) WHERE unionid IS NOT NULL`,
    `CREATE INDEX app_identities_openid ON app_identities (openid)`,
    `CREATE INDEX app_identities_bound ON app_identities (appid) WHERE unionid IS NOT NULL`,
  ],
};
