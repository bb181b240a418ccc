import type { ReplyRecord, ReplyRecordStore } from '../bot/reply-store.js';
import type { Logger } from '../logger.js';
import type { Db, SqlValue } from './db.js';
import { throttled } from './throttle.js';
import { batchedWrite, TurnBatch } from './tick-batch.js';

// PostgreSQL: the claims and the answers of every push of an event-loop turn, each as ONE multi-row statement
// (TurnBatch). Keys are unique within a batch and sorted, so two instances' batches lock rows in the same
// order and cannot deadlock. Parameters are arrays (unnest).
const PG_CLAIM_MANY = `INSERT INTO reply_records (dedup_key, state, reply, expires_at, updated_at)
  SELECT k, 'pending', NULL, e, $3 FROM unnest($1::text[], $2::bigint[]) AS v(k, e) ORDER BY k
  ON CONFLICT (dedup_key) DO UPDATE SET
    state = 'pending', reply = NULL, expires_at = excluded.expires_at, updated_at = excluded.updated_at
  WHERE reply_records.expires_at <= $3
  RETURNING dedup_key`;
const PG_FINISH_MANY = `INSERT INTO reply_records (dedup_key, state, reply, expires_at, updated_at)
  SELECT k, 'done', r, e, $4 FROM unnest($1::text[], $2::text[], $3::bigint[]) AS v(k, r, e) ORDER BY k
  ON CONFLICT (dedup_key) DO UPDATE SET
    state = 'done', reply = excluded.reply, expires_at = excluded.expires_at, updated_at = excluded.updated_at`;

/** Expired records one purge statement deletes at most. */
const PURGE_BATCH = 2000;

interface Finish {
  key: string;
  reply: string;
  ttlMs: number;
}

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
    this.local = db.dialect === 'sqlite' ? new Map() : null;
    this.claims = new TurnBatch((items) => this.claimMany(items));
    this.finishes = new TurnBatch((items) => this.finishMany(items));
    this.purge = throttled(
      60_000,
      this.clock,
      () => this.purgeExpired(),
      (error) => options.logger.warn({ err: error }, 'could not delete expired webhook reply records'),
    );
  }

  /**
   * SQLite: claims held by this process, key → lease end (Unix ms), instead of a 'pending' row per push.
   *
   * Why no row: one SQLite file is served by one process (several instances need PostgreSQL), so no other
   * process can see a claim, and a row protects nothing across a crash either. If this process dies while
   * handling a push, no reply left for it, and WeChat delivers it again: with a 'pending' row that delivery
   * waited for the lease and then ran the handlers anyway; without one it runs them at once. Either way the
   * push's effects are stored once, because each carries its own unique key (the event's dedup key, the
   * message's MsgId) written in the same commit as the effect. What must survive a crash is the answer, and
   * finish() still stores it. So the claim costs a primary-key read instead of a write, an index entry and a
   * commit share on every push (issue 11). The reply row is the same as before, so an older 'pending' row
   * left by a crashed older version is still honoured until its lease ends.
   */
  private readonly local: Map<string, number> | null;
  private readonly claims: TurnBatch<{ key: string; leaseMs: number }, boolean>;
  private readonly finishes: TurnBatch<Finish, void>;

  async claim(key: string, leaseMs: number): Promise<ReplyRecord> {
    if (this.local !== null) return this.claimLocally(key, leaseMs);
    // The row disappearing or expiring between the two statements (release, purge) is the only reason to go
    // round again: 'new' is only ever returned by the statement that wrote the claim.
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.clock();
      // One statement decides the winner: the insert, or the update of an expired row. On PostgreSQL a racing
      // claim waits on the row and then re-checks `expires_at`, which the winner has just moved on.
      // Shares the commit of this event-loop turn on SQLite (tick-batch.ts): one commit per push otherwise.
      if (this.db.dialect === 'postgres') {
        if (await this.claims.add({ key, leaseMs })) return { state: 'new' };
        const current = await this.read(key, this.clock());
        if (current) return current;
        continue;
      }
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

  private async claimLocally(key: string, leaseMs: number): Promise<ReplyRecord> {
    const stored = await this.read(key, this.clock());
    // Decided synchronously after the read: of several concurrent claims exactly one sets the entry.
    const now = this.clock();
    const held = this.local?.get(key);
    if (held !== undefined && held > now) return { state: 'pending' };
    if (stored) return stored;
    this.local?.set(key, now + leaseMs);
    return { state: 'new' };
  }

  /** One statement for the claims of a turn: true for each item whose statement wrote the claim. */
  private async claimMany(items: Array<{ key: string; leaseMs: number }>): Promise<boolean[]> {
    const now = this.clock();
    // A key twice in one turn (a retry racing its first delivery): its first item takes part, the others lose
    // and read the record, as a second statement would.
    const first = new Map<string, number>();
    items.forEach((item, i) => {
      if (!first.has(item.key)) first.set(item.key, i);
    });
    const keys = [...first.keys()];
    const rows = await this.db.all<{ dedup_key: string }>(PG_CLAIM_MANY, [
      keys,
      keys.map((key) => now + items[first.get(key)!]!.leaseMs),
      now,
    ] as unknown as SqlValue[]);
    const won = new Set(rows.map((row) => row.dedup_key));
    return items.map((item, i) => first.get(item.key) === i && won.has(item.key));
  }

  /** One statement for the answers of a turn; the last answer of a key wins, as in sequential upserts. */
  private async finishMany(items: Finish[]): Promise<void[]> {
    const now = this.clock();
    const last = new Map<string, Finish>();
    for (const item of items) last.set(item.key, item);
    const kept = [...last.values()];
    await this.db.run(PG_FINISH_MANY, [
      kept.map((f) => f.key),
      kept.map((f) => f.reply),
      kept.map((f) => now + f.ttlMs),
      now,
    ] as unknown as SqlValue[]);
    return items.map(() => undefined);
  }

  async finish(key: string, reply: string, ttlMs: number): Promise<void> {
    if (this.db.dialect === 'postgres') {
      await this.finishes.add({ key, reply, ttlMs });
      this.purge();
      return;
    }
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
    // Only once the reply is committed: until then a retry must still find the push claimed.
    this.local?.delete(key);
    this.purge();
  }

  /**
   * Deletes expired records in batches of {@link PURGE_BATCH}, yielding to the event loop between them: at
   * thousands of pushes a second a minute's expired records are hundreds of thousands of rows, and one
   * DELETE of them all would hold SQLite's write lock (every push waits) for as long as it runs.
   */
  private async purgeExpired(): Promise<void> {
    const before = this.clock();
    for (;;) {
      const deleted = await this.db.run(
        `DELETE FROM reply_records WHERE dedup_key IN
           (SELECT dedup_key FROM reply_records WHERE expires_at < ? LIMIT ${PURGE_BATCH})`,
        [before],
      );
      if (deleted < PURGE_BATCH) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async peek(key: string): Promise<ReplyRecord> {
    const stored = await this.read(key, this.clock());
    if (stored) return stored;
    const held = this.local?.get(key);
    return held !== undefined && held > this.clock() ? { state: 'pending' } : { state: 'new' };
  }

  async release(key: string): Promise<void> {
    this.local?.delete(key);
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
