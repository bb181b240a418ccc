import type { Migration } from '../migrate.js';

/**
 * Console sessions ended by logout (issue 9, defect 7). A session is a signed cookie any instance accepts
 * until it expires; logging out records its id here, where every instance looks before accepting it. A row
 * is needed only until the session would have expired anyway, then it is deleted.
 */
export const consoleRevocations: Migration = {
  version: 2,
  name: 'console-revocations',
  up: ({ int64, keyText }) => [
    `CREATE TABLE console_revocations (
      sid ${keyText} PRIMARY KEY,
      expires_at ${int64} NOT NULL
    )`,
    `CREATE INDEX console_revocations_expiry ON console_revocations (expires_at)`,
  ],
};
