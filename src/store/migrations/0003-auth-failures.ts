import type { Migration } from '../migrate.js';

/**
 * Wrong admin tokens per client (issue 9, defect 6), shared by every instance so that spreading guesses over
 * instances does not multiply the attempts allowed. `blocked_until` (Unix ms): no further guess of this
 * client is weighed before it; `delay_ms`: the last block's length, doubled by the next failure. A row is
 * deleted by the client's next success, or once forgotten (`updated_at` long past).
 */
export const authFailures: Migration = {
  version: 3,
  name: 'auth-failures',
  up: ({ int64, keyText }) => [
    `CREATE TABLE auth_failures (
      client ${keyText} PRIMARY KEY,
      failures INTEGER NOT NULL,
      delay_ms ${int64} NOT NULL,
      blocked_until ${int64} NOT NULL,
      updated_at ${int64} NOT NULL
    )`,
    `CREATE INDEX auth_failures_updated ON auth_failures (updated_at)`,
  ],
};
