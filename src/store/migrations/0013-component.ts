import type { Migration } from '../migrate.js';

/**
 * Third-party platform mode (issue 13, INTERFACE.md §9). The latest component_verify_ticket (pushed every 10
 * minutes and not fetchable on demand, so a restart must find it); the accounts that authorized the platform,
 * with the refresh token that is the only way to their access tokens (rotated on each refresh, so it is
 * written in the transaction that stores the access token it came with); and the authorization codes already
 * exchanged, so a retried `authorized` push does not spend a code twice. Access tokens (the component's and
 * each authorizer's) live in access_tokens like a direct account's. Version 13: assigned to this issue.
 */
export const component: Migration = {
  version: 13,
  name: 'component',
  up: ({ int64, keyText }) => [
    `CREATE TABLE component_tickets (
      component_appid ${keyText} PRIMARY KEY,
      ticket TEXT NOT NULL,
      create_time ${int64} NOT NULL,
      received_at ${int64} NOT NULL
    )`,
    `CREATE TABLE component_authorizers (
      component_appid ${keyText} NOT NULL,
      appid ${keyText} NOT NULL,
      refresh_token TEXT,
      func_info TEXT NOT NULL DEFAULT '[]',
      name TEXT,
      user_name TEXT,
      authorized INTEGER NOT NULL,
      authorized_at ${int64} NOT NULL,
      unauthorized_at ${int64},
      updated_at ${int64} NOT NULL,
      PRIMARY KEY (component_appid, appid)
    )`,
    `CREATE TABLE component_auth_codes (
      code_hash ${keyText} PRIMARY KEY,
      component_appid ${keyText} NOT NULL,
      appid ${keyText},
      used_at ${int64} NOT NULL
    )`,
  ],
};
