import type { ReplyRecord, ReplyRecordStore } from '../bot/reply-store.js';
import type { Logger } from '../logger.js';
import type { Db } from './db.js';
import { throttled } from './throttle.js';
import { batchedWrite } from './tick-batch.js';

/** Options of {@link SqlReplyRecordStore}. */
export interface SqlReplyRecordStoreOptions {
  clock: () => number;
  logger: Logger;
}

/**
 * Webhook dedup records in the database, so a retry that reaches another instance finds the first delivery's
 * claim or reply. A row past `expires_at` (a lease that ran out, a reply kept long enough) counts as absent.
 */
export class SqlReplyRecordStore implements ReplyRecordStore {
  private readonly clock: () => number;
  private readonly purge: () => void;

  constructor(
    private readonly db: Db,
    options: SqlReplyRecordStoreOptions,
  ) {
    this.clock = options.clock;
    this.purge = throttled(
      60_000,
      this.clock,
      () => this.db.run('DELETE FROM reply_records WHERE expires_at < ?', [this.clock()]),
      (error) => options.logger.warn({ err: error }, 'could not delete expired webhook reply records'),
    );
  }

  async claim(key: string, leaseMs: number): Promise<ReplyRecord> {
    // The row disappearing or expiring between the two statements (release, purge) is the only reason to go
    // round again: 'new' is only ever returned by the statement that wrote the claim.
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.clock();
      // One statement decides the winner: the insert, or the update of an expired row. On PostgreSQL a racing
      // claim waits on the row and then re-checks `expires_at`, which the winner has just moved on.
      // Shares the commit of this event-loop turn on SQLite (tick-batch.ts): one commit per push otherwise.
      const won = await batchedWrite(this.db, false, (q) =>
        q.all(
          `INSERT INTO reply_records (dedup_key, state, reply, expires_at, updated_at) VALUES (?, 'pending', NULL, ?, ?)
         ON CONFLICT (dedup_key) DO UPDATE SET
           state = 'pending', reply = NULL, expires_at = excluded.expires_at, updated_at = excluded.updated_at
         WHERE reply_records.expires_at <= ?
         RETURNING dedup_key`,
          [key, now + leaseMs, now, now],
        ),
      );
      if (won.length > 0) return { state: 'new' };
      const current = await this.read(key, now);
      if (current) return current;
    }
    throw new Error(`could not claim webhook reply record ${key}: it keeps disappearing`);
  }

  async finish(key: string, reply: string, ttlMs: number): Promise<void> {
    const now = this.clock();
    // Shares the commit of this event-loop turn on SQLite (tick-batch.ts). An upsert: the reply is recorded
    // even if the claim was purged or released meanwhile.
    await batchedWrite(this.db, false, (q) =>
      q.run(
        `INSERT INTO reply_records (dedup_key, state, reply, expires_at, updated_at) VALUES (?, 'done', ?, ?, ?)
         ON CONFLICT (dedup_key) DO UPDATE SET
           state = 'done', reply = excluded.reply, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
        [key, reply, now + ttlMs, now],
      ),
    );
    this.purge();
  }

  async peek(key: string): Promise<ReplyRecord> {
    return (await this.read(key, this.clock())) ?? { state: 'new' };
  }

  async release(key: string): Promise<void> {
    await this.db.run(`DELETE FROM reply_records WHERE dedup_key = ? AND state = 'pending'`, [key]);
  }

  /** The live record of `key`, or null when there is none or it expired. */
  private async read(key: string, now: number): Promise<ReplyRecord | null> {
    const row = await this.db.get<{ state: string; reply: string | null; expires_at: number }>(
      'SELECT state, reply, expires_at FROM reply_records WHERE dedup_key = ?',
      [key],
    );
    if (!row || Number(row.expires_at) <= now) return null;
    return row.state === 'done' ? { state: 'done', reply: row.reply ?? '' } : { state: 'pending' };
  }
}
