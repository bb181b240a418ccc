import type { Migration } from '../migrate.js';

/**
 * Issue 11, data scale: the follower list's filters that still sorted or walked a million rows (query plans
 * at 1 M followers on SQLite):
 * - a scene in follow-time order (the console's default): followers_scene gives OpenID order, so every
 *   follower of the scene was sorted (160 ms for a 25 000-follower scene, seconds for a large campaign);
 * - unfollowed followers: the list walked every follower of the account to find them, all of them when the
 *   account has none. Partial indexes hold only the unfollowed (the list writes `subscribed = 0` as a
 *   literal, so both planners can use them); followers still following are the many, found at once
 *   walking the account's own indexes.
 * Version 15: other schema steps of the same release take 11–14.
 */
export const adminReadIndexes: Migration = {
  version: 15,
  name: 'admin-read-indexes',
  up: () => [
    `CREATE INDEX followers_scene_followed ON followers (appid, scene, (COALESCE(subscribe_time, 0)), openid)
      WHERE scene IS NOT NULL`,
    `CREATE INDEX followers_unfollowed ON followers (appid, openid) WHERE subscribed = 0`,
    `CREATE INDEX followers_unfollowed_followed ON followers (appid, (COALESCE(subscribe_time, 0)), openid)
      WHERE subscribed = 0`,
  ],
};
