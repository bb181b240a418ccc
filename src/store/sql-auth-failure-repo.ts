import type { Logger } from '../logger.js';
import type { Db } from './db.js';
import type { AuthFailurePolicy, AuthFailureRepo } from './types.js';

/** Options of {@link SqlAuthFailureRepo}. */
export interface SqlAuthFailureRepoOptions {
  logger: Logger;
}

/**
 * AuthFailureRepo on either database. A failure is counted and the next block set in one statement, whose
 * WHERE refuses it while the client is blocked: of concurrent guesses, only those the policy allows are
 * weighed, on every instance.
 */
export class SqlAuthFailureRepo implements AuthFailureRepo {
  /** The earliest time (by the callers' clock) of the next purge of forgotten rows. */
  private nextPurgeAt = -Infinity;

  constructor(
    private readonly db: Db,
    private readonly options: SqlAuthFailureRepoOptions,
  ) {}

  /** Deletes forgotten rows at most once a minute, in the background, by the time the callers go by. */
  private purge(now: number, forgetAfterMs: number): void {
    if (now < this.nextPurgeAt) return;
    this.nextPurgeAt = now + 60_000;
    this.db
      .run('DELETE FROM auth_failures WHERE updated_at < ?', [now - forgetAfterMs])
      .catch((error: unknown) =>
        this.options.logger.warn({ err: error }, 'could not delete forgotten auth failures'),
      );
  }

  async fail(client: string, policy: AuthFailurePolicy, now: number): Promise<number> {
    const n = (value: number) => {
      if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer: ${value}`);
      return String(value);
    };
    const forgotten = `auth_failures.updated_at < ${n(now - policy.forgetAfterMs)}`;
    const failures = `CASE WHEN ${forgotten} THEN 1 ELSE auth_failures.failures + 1 END`;
    const delay = `CASE WHEN ${failures} <= ${n(policy.freeFailures)} THEN 0
      WHEN auth_failures.delay_ms = 0 OR ${forgotten} THEN ${n(policy.baseDelayMs)}
      WHEN auth_failures.delay_ms * 2 > ${n(policy.maxDelayMs)} THEN ${n(policy.maxDelayMs)}
      ELSE auth_failures.delay_ms * 2 END`;
    const firstDelay = policy.freeFailures >= 1 ? 0 : policy.baseDelayMs;
    const rows = await this.db.all<{ failures: number }>(
      `INSERT INTO auth_failures (client, failures, delay_ms, blocked_until, updated_at)
       VALUES (?, 1, ${n(firstDelay)}, ${n(now + firstDelay)}, ${n(now)})
       ON CONFLICT (client) DO UPDATE SET
         failures = ${failures},
         delay_ms = ${delay},
         blocked_until = ${n(now)} + ${delay},
         updated_at = ${n(now)}
       WHERE auth_failures.blocked_until <= ${n(now)}
       RETURNING failures`,
      [client],
    );
    this.purge(now, policy.forgetAfterMs);
    if (rows.length > 0) return 0;
    // Refused: blocked by a failure counted a moment ago, so the row is there (1 ms if it just went away).
    return Math.max(1, (await this.blockedFor(client, now)) ?? 0);
  }

  async blockedFor(client: string, now: number): Promise<number | null> {
    const row = await this.db.get<{ blocked_until: number }>(
      'SELECT blocked_until FROM auth_failures WHERE client = ?',
      [client],
    );
    return row ? Math.max(0, Number(row.blocked_until) - now) : null;
  }

  async clear(client: string): Promise<void> {
    await this.db.run('DELETE FROM auth_failures WHERE client = ?', [client]);
  }
}
