import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Db, Queryable, SqlValue } from './db.js';
import { decodeFollowerCursor, encodeFollowerCursor } from './follower-cursor.js';
import { chunk, placeholders } from './sql-chunks.js';
import { refreshStatistics } from './statistics.js';
import { batchedWrite, TurnBatch } from './tick-batch.js';
import type {
  Follower,
  FollowerEvent,
  FollowerEventInput,
  FollowerEventType,
} from '../followers/follower.js';
import type {
  FollowerCounts,
  FollowerFilter,
  FollowerQuery,
  FollowerRepo,
  FollowerSort,
  SceneStats,
  UnionIdConflict,
  UnionIdentity,
  UserInfoFields,
} from '../followers/follower-repo.js';
import { listUnionIdConflicts, recordUnionIdConflict } from './unionid-conflicts.js';

/**
 * A search prefix matching this many followers in one index is broad: its page is found faster by walking the
 * index of the page's order than by sorting the matches (see list()).
 */
export const BROAD_PREFIX = 2000;

/** Largest page list() serves, whatever the caller asks for. */
export const MAX_LIST_LIMIT = 1000;

interface FollowerRow {
  appid: string;
  openid: string;
  unionid: string | null;
  subscribed: number;
  subscribe_time: number | null;
  unsubscribe_time: number | null;
  scene: string | null;
  subscribe_scene: string | null;
  qr_scene: number | null;
  qr_scene_str: string | null;
  tags: string;
  remark: string;
  language: string | null;
  enriched_at: number | null;
  blacklisted: number;
}

const COLUMNS =
  'appid, openid, unionid, subscribed, subscribe_time, unsubscribe_time, scene, subscribe_scene, qr_scene, ' +
  'qr_scene_str, tags, remark, language, enriched_at, blacklisted';

// A follower captured while `wxoa sync` runs carries that run's id, so the run's end does not take them for
// someone who left (markUnlisted).
const CURRENT_SYNC_ID = '(SELECT sync_id FROM sync_state WHERE appid = ?)';

// An event's identity is its key (migration 11): a retried push stops here, whatever dedup window it missed.
// `scene` is '' for none (NULLs never collide in a key); reads turn it back into NULL.
const INSERT_EVENT = `INSERT INTO follower_events (appid, openid, type, scene, follow_scene, create_time, recorded_at)
  VALUES (?, ?, ?, COALESCE(?, ''), NULL, ?, ?)
  ON CONFLICT (appid, openid, create_time, type, scene) DO NOTHING RETURNING follow_scene`;

// An unfollow remembers the scene of the follow it ends: /api/scenes counts it there (INTERFACE.md §5).
const INSERT_UNSUBSCRIBE_EVENT = `INSERT INTO follower_events
  (appid, openid, type, scene, follow_scene, create_time, recorded_at)
  VALUES (?, ?, ?, COALESCE(?, ''), (SELECT scene FROM followers WHERE appid = ? AND openid = ?), ?, ?)
  ON CONFLICT (appid, openid, create_time, type, scene) DO NOTHING RETURNING follow_scene`;

// A QR code's ticket, kept once per code (migration 11), not on every event.
const REMEMBER_TICKET = `INSERT INTO event_tickets (appid, ticket, scene, first_seen) VALUES (?, ?, ?, ?)
  ON CONFLICT (appid, ticket) DO NOTHING`;

/** Tickets a process remembers having stored, at most (then it forgets them all and starts again). */
const KNOWN_TICKETS = 10_000;

// GET /api/scenes reads these sums (migration 0009) instead of grouping every event of the account.
const COUNT_SCENE = `INSERT INTO scene_stats (appid, scene, shard, scans, subscribes, unsubscribes)
  VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (appid, scene, shard) DO UPDATE SET
    scans = scene_stats.scans + excluded.scans,
    subscribes = scene_stats.subscribes + excluded.subscribes,
    unsubscribes = scene_stats.unsubscribes + excluded.unsubscribes`;

/** Shards of a scene's counts: enough that one campaign's concurrent pushes seldom wait on one row. */
const SCENE_SHARDS = 16;

/** Followers markUnlisted visits per statement: each is a short write, and pushes are answered in between. */
export const UNLISTED_BATCH = 2000;

/** A sync whose account has at least this many followers refreshes the planner's statistics at its end. */
const LARGE_SYNC = 10_000;

// Pushes can be handled out of order (a retry that reached another instance late), so subscription state
// follows the event with the newest CreateTime; on a tie the one handled last wins.
const SUBSCRIBE = `INSERT INTO followers (appid, openid, subscribed, subscribe_time, scene, sync_id, created_at, updated_at)
  VALUES (?, ?, 1, ?, ?, ${CURRENT_SYNC_ID}, ?, ?)
  ON CONFLICT (appid, openid) DO UPDATE SET
    subscribed = CASE WHEN followers.unsubscribe_time IS NULL OR followers.unsubscribe_time <= excluded.subscribe_time
      THEN 1 ELSE followers.subscribed END,
    scene = CASE WHEN followers.subscribe_time IS NULL OR followers.subscribe_time <= excluded.subscribe_time
      THEN excluded.scene ELSE followers.scene END,
    subscribe_time = CASE WHEN followers.subscribe_time IS NULL OR followers.subscribe_time <= excluded.subscribe_time
      THEN excluded.subscribe_time ELSE followers.subscribe_time END,
    needs_enrichment = 1, enrich_after = 0, lease_until = 0,
    sync_id = COALESCE(excluded.sync_id, followers.sync_id),
    updated_at = excluded.updated_at`;

const UNSUBSCRIBE = `INSERT INTO followers (appid, openid, subscribed, unsubscribe_time, created_at, updated_at)
  VALUES (?, ?, 0, ?, ?, ?)
  ON CONFLICT (appid, openid) DO UPDATE SET
    subscribed = CASE WHEN followers.subscribe_time IS NULL OR followers.subscribe_time <= excluded.unsubscribe_time
      THEN 0 ELSE followers.subscribed END,
    unsubscribe_time = CASE WHEN followers.unsubscribe_time IS NULL OR followers.unsubscribe_time <= excluded.unsubscribe_time
      THEN excluded.unsubscribe_time ELSE followers.unsubscribe_time END,
    updated_at = excluded.updated_at`;

// WeChat sends SCAN only to followers, so an unknown scanner is a follower whose follow we missed.
const SCAN = `INSERT INTO followers (appid, openid, subscribed, sync_id, created_at, updated_at)
  VALUES (?, ?, 1, ${CURRENT_SYNC_ID}, ?, ?)
  ON CONFLICT (appid, openid) DO NOTHING`;

const REMEMBER_ACCOUNT =
  'INSERT INTO accounts (appid, created_at) VALUES (?, ?) ON CONFLICT (appid) DO NOTHING';

// Fields user/info did not return (an unfollowed user gets little more than openid) keep their value. A
// UnionID once known is kept (saveEnrichment records a different one as a conflict).
const SAVE_ENRICHMENT = `UPDATE followers SET
    unionid = COALESCE(unionid, ?),
    subscribe_scene = COALESCE(?, subscribe_scene),
    qr_scene = COALESCE(?, qr_scene),
    qr_scene_str = COALESCE(?, qr_scene_str),
    tags = COALESCE(?, tags),
    remark = COALESCE(?, remark),
    language = COALESCE(?, language),
    subscribe_time = CASE WHEN subscribe_time IS NULL OR subscribe_time < COALESCE(?, subscribe_time)
      THEN COALESCE(?, subscribe_time) ELSE subscribe_time END,
    enriched_at = ?, needs_enrichment = 0, enrich_after = 0, lease_until = 0, updated_at = ?
  WHERE appid = ? AND openid = ?`;

// SAVE_ENRICHMENT for a batch in one statement: parameters are arrays, one element a follower.
const PG_SAVE_ENRICHMENT = `UPDATE followers AS f SET
    unionid = COALESCE(f.unionid, v.unionid),
    subscribe_scene = COALESCE(v.subscribe_scene, f.subscribe_scene),
    qr_scene = COALESCE(v.qr_scene, f.qr_scene),
    qr_scene_str = COALESCE(v.qr_scene_str, f.qr_scene_str),
    tags = COALESCE(v.tags, f.tags),
    remark = COALESCE(v.remark, f.remark),
    language = COALESCE(v.language, f.language),
    subscribe_time = CASE WHEN f.subscribe_time IS NULL OR f.subscribe_time < COALESCE(v.subscribe_time, f.subscribe_time)
      THEN COALESCE(v.subscribe_time, f.subscribe_time) ELSE f.subscribe_time END,
    enriched_at = $10, needs_enrichment = 0, enrich_after = 0, lease_until = 0, updated_at = $10
  FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[],
    $9::bigint[]) AS v(openid, unionid, subscribe_scene, qr_scene, qr_scene_str, tags, remark, language, subscribe_time)
  WHERE f.appid = $11 AND f.openid = v.openid`;

/** Options of {@link SqlFollowerRepo}. */
export interface SqlFollowerRepoOptions {
  clock: () => number;
  /** Rows per keyset page of iterate(). */
  pageSize?: number;
  /** Followers per statement of markUnlisted(); default {@link UNLISTED_BATCH}. */
  unlistedBatch?: number;
}

/** FollowerRepo on either database. */
export class SqlFollowerRepo implements FollowerRepo {
  private readonly clock: () => number;
  private readonly pageSize: number;
  private readonly unlistedBatch: number;
  /**
   * AppIDs whose `accounts` row this process has committed: the row never changes once written, so it is
   * written once per account per process instead of in every follower event's transaction.
   */
  private readonly remembered = new Set<string>();
  /** `appid\nticket` of QR codes whose ticket this process has committed (bounded: see KNOWN_TICKETS). */
  private readonly tickets = new Set<string>();

  private rememberTicket(appid: string, ticket: string): void {
    if (this.tickets.size >= KNOWN_TICKETS) this.tickets.clear();
    this.tickets.add(`${appid}\n${ticket}`);
  }

  constructor(
    private readonly db: Db,
    options: SqlFollowerRepoOptions,
  ) {
    this.clock = options.clock;
    this.pageSize = options.pageSize ?? 1000;
    this.unlistedBatch = Math.max(1, options.unlistedBatch ?? UNLISTED_BATCH);
  }

  recordEvent(event: FollowerEventInput): Promise<boolean> {
    const now = this.clock();
    const { appid, openid, createTime } = event;
    if (this.db.dialect === 'postgres') return this.pgEvents.add({ event, now });
    // Shares the commit of this event-loop turn on SQLite (tick-batch.ts), atomic on its own otherwise.
    return batchedWrite(this.db, true, async (tx) => {
      // The event (its identity is its key) goes in first: a repeat stops here, before touching the follower. On
      // PostgreSQL a racing instance inserting the same event waits for this transaction and then finds the conflict.
      const inserted =
        event.type === 'unsubscribe'
          ? await tx.all<{ follow_scene: string | null }>(INSERT_UNSUBSCRIBE_EVENT, [
              appid,
              openid,
              event.type,
              event.scene,
              appid,
              openid,
              createTime,
              now,
            ])
          : await tx.all<{ follow_scene?: null }>(INSERT_EVENT, [
              appid,
              openid,
              event.type,
              event.scene,
              createTime,
              now,
            ]);
      if (inserted.length === 0) return false;

      await applyEvent(tx, event.type, event, now);
      // Counted only here, after the dedup key went in: a retried push never counts twice.
      const scene = event.type === 'unsubscribe' ? (inserted[0]?.follow_scene ?? null) : event.scene;
      if (scene !== null) {
        await tx.run(COUNT_SCENE, [
          appid,
          scene,
          sceneShard(openid),
          event.type === 'scan' ? 1 : 0,
          event.type === 'subscribe' ? 1 : 0,
          event.type === 'unsubscribe' ? 1 : 0,
        ]);
      }
      if (!this.remembered.has(appid)) await tx.run(REMEMBER_ACCOUNT, [appid, now]);
      if (event.ticket && !this.tickets.has(`${appid}\n${event.ticket}`)) {
        await tx.run(REMEMBER_TICKET, [appid, event.ticket, event.scene, createTime]);
      }
      return true;
    }).then((stored) => {
      // Only after the commit: a rolled-back write leaves the row to the next event.
      if (stored) {
        this.remembered.add(appid);
        if (event.ticket) this.rememberTicket(appid, event.ticket);
      }
      return stored;
    });
  }

  /**
   * PostgreSQL: the events of an event-loop turn (their rows, followers, scene counts, accounts and tickets)
   * in ONE statement, so under load the pushes of a turn share one round trip and an implicit commit, where
   * each used BEGIN, three or four statements and COMMIT (issue 11: each is a network hop and a backend's CPU
   * on the push's critical path). See {@link recordEventsOnPostgres}.
   */
  private readonly pgEvents = new TurnBatch<{ event: FollowerEventInput; now: number }, boolean>((items) =>
    recordEventsOnPostgres(this.db, items),
  );

  async get(appid: string, openid: string): Promise<Follower | null> {
    const row = await this.db.get<FollowerRow>(
      `SELECT ${COLUMNS} FROM followers WHERE appid = ? AND openid = ?`,
      [appid, openid],
    );
    return row ? toFollower(row) : null;
  }

  async list(query: FollowerQuery): Promise<{ followers: Follower[]; nextCursor: string | null }> {
    const sort: FollowerSort = query.sort ?? 'openid';
    const where = ['appid = ?'];
    const params: SqlValue[] = [query.appid];
    // The search goes in below, as two index ranges rather than an OR the planner would not split.
    const { search, ...filter } = query;
    addFilter(where, params, filter);
    if (query.cursor !== undefined) {
      const after = decodeFollowerCursor(sort, query.cursor);
      if (sort === 'openid') {
        where.push('openid > ?');
        params.push(after.openid);
      } else {
        where.push(sort === 'newest' ? `(${FOLLOWED}, openid) < (?, ?)` : `(${FOLLOWED}, openid) > (?, ?)`);
        params.push(after.time, after.openid);
      }
    }
    // The follow-time orders read the followers_followed index (appid, COALESCE(subscribe_time, 0), openid):
    // the expression must be spelled as the index has it for the planner to use it.
    const order =
      sort === 'openid'
        ? 'openid'
        : sort === 'newest'
          ? `${FOLLOWED} DESC, openid DESC`
          : `${FOLLOWED}, openid`;
    const limit = clampLimit(query.limit);
    const prefix = search?.trim();
    // One row more than asked tells whether another page exists, so the last page says nextCursor: null.
    let sql = `SELECT ${COLUMNS} FROM followers WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`;
    let values: SqlValue[] = [...params, limit + 1];
    if (prefix) {
      // A prefix as a range (>= prefix, < the next one) of the primary key and of followers_unionid: an index
      // range scan each, where LIKE 'prefix%' would read every row. The first page of the union is within the
      // first pages of its two parts, so each part stops there. A part whose index does not give the page's
      // order (UnionID, or a follow-time order) sorts its matches: cheap for a few, but a broad prefix (every
      // OpenID of an account starts alike) would sort the account. So a probe counts a part's matches up to
      // BROAD_PREFIX first, and a broad part walks the index of the page's order instead, filtering, where
      // matches are dense and the page is found early. `x || ''` is the same value without its index: it
      // steers SQLite, which has no statistics, to the index meant.
      const end = prefixEnd(prefix);
      const arm = (account: string, range: string) =>
        `SELECT * FROM (SELECT ${COLUMNS} FROM followers WHERE ${[account, ...where.slice(1)].join(' AND ')}
           AND ${range} ORDER BY ${order} LIMIT ?) AS part`;
      const byOpenid =
        sort !== 'openid' &&
        (await this.broad('appid = ? AND openid >= ? AND openid < ?', query.appid, prefix, end))
          ? arm('appid = ?', "openid || '' >= ? AND openid || '' < ?")
          : arm('appid = ?', 'openid >= ? AND openid < ?');
      const byUnionid = (await this.broad(
        "appid || '' = ? AND unionid >= ? AND unionid < ?",
        query.appid,
        prefix,
        end,
      ))
        ? arm('appid = ?', "unionid || '' >= ? AND unionid || '' < ?")
        : arm("appid || '' = ?", 'unionid >= ? AND unionid < ?');
      sql = `SELECT ${COLUMNS} FROM (${byOpenid} UNION ${byUnionid}) AS matched ORDER BY ${order} LIMIT ?`;
      values = [...params, prefix, end, limit + 1, ...params, prefix, end, limit + 1, limit + 1];
    }
    const rows = await this.db.all<FollowerRow>(sql, values);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      followers: page.map(toFollower),
      nextCursor:
        rows.length > limit && last
          ? encodeFollowerCursor(sort, { openid: last.openid, time: Number(last.subscribe_time ?? 0) })
          : null,
    };
  }

  /** Whether an index range holds at least BROAD_PREFIX followers (reads at most that many entries). */
  private async broad(range: string, appid: string, from: string, to: string): Promise<boolean> {
    const row = await this.db.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM (SELECT 1 FROM followers WHERE ${range} LIMIT ${BROAD_PREFIX}) AS probe`,
      [appid, from, to],
    );
    return Number(row?.n ?? 0) >= BROAD_PREFIX;
  }

  async counts(appid: string): Promise<FollowerCounts> {
    // A few rows kept by the triggers of migration 7, not a count over the followers.
    const row = await this.db.get<{ total: number | null; subscribed: number | null }>(
      'SELECT SUM(total) AS total, SUM(subscribed) AS subscribed FROM follower_counts WHERE appid = ?',
      [appid],
    );
    const total = Number(row?.total ?? 0);
    const subscribed = Number(row?.subscribed ?? 0);
    return { total, subscribed, unsubscribed: total - subscribed };
  }

  async events(appid: string, openid: string): Promise<FollowerEvent[]> {
    const rows = await this.db.all<{ type: FollowerEventType; scene: string | null; create_time: number }>(
      `SELECT type, NULLIF(scene, '') AS scene, create_time FROM follower_events
       WHERE appid = ? AND openid = ? ORDER BY create_time, recorded_at, type`,
      [appid, openid],
    );
    return rows.map((row) => ({ type: row.type, scene: row.scene, createTime: Number(row.create_time) }));
  }

  async claimForEnrichment(
    limit: number,
    leaseMs: number,
  ): Promise<Array<{ appid: string; openid: string }>> {
    if (!(limit >= 1)) return [];
    const now = this.clock();
    // PostgreSQL: the CTE locks the rows it picks and skips rows a concurrent claim holds, so two instances
    // never get the same follower; the outer conditions re-check rows that changed meanwhile. MATERIALIZED
    // makes it run once: as a plain `IN (SELECT … LIMIT n)` the planner may re-scan it and lease more than n.
    // SQLite: the single statement is atomic.
    const rows = await this.db.all<{ appid: string; openid: string }>(
      `WITH picked AS MATERIALIZED (
         SELECT appid, openid FROM followers
         WHERE needs_enrichment = 1 AND enrich_after <= ? AND lease_until <= ?
         ORDER BY enrich_after, appid, openid
         LIMIT ?${this.db.sql.skipLocked}
       )
       UPDATE followers SET lease_until = ?
       WHERE (appid, openid) IN (SELECT appid, openid FROM picked)
         AND needs_enrichment = 1 AND lease_until <= ?
       RETURNING appid, openid`,
      [now, now, Math.trunc(limit), now + leaseMs, now],
    );
    return rows
      .map((row) => ({ appid: row.appid, openid: row.openid }))
      .sort((a, b) => compare(a.appid, b.appid) || compare(a.openid, b.openid));
  }

  async saveEnrichment(appid: string, infos: UserInfoFields[]): Promise<UnionIdConflict[]> {
    if (infos.length === 0) return [];
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const kept = new Map<string, string>();
      const reported = unique(infos.filter((i) => i.unionid).map((i) => i.openid));
      for (const slice of chunk(reported)) {
        const rows = await tx.all<{ openid: string; unionid: string }>(
          `SELECT openid, unionid FROM followers
           WHERE appid = ? AND unionid IS NOT NULL AND openid IN (${placeholders(slice.length)})`,
          [appid, ...slice],
        );
        for (const row of rows) kept.set(row.openid, row.unionid);
      }
      const conflicts: UnionIdConflict[] = [];
      for (const info of infos) {
        const known = kept.get(info.openid);
        if (known !== undefined && info.unionid && info.unionid !== known) {
          conflicts.push(
            await recordUnionIdConflict(
              tx,
              { appid, openid: info.openid, kept: known, reported: info.unionid, source: 'user/info' },
              now,
            ),
          );
        }
      }
      // PostgreSQL: the whole batch (up to 100) in one UPDATE instead of one round trip a follower (issue 11:
      // enrichment added about one round trip to every push). Same assignments as SAVE_ENRICHMENT.
      if (this.db.dialect === 'postgres' && unique(infos.map((i) => i.openid)).length === infos.length) {
        const column = <T>(pick: (info: UserInfoFields) => T | undefined) =>
          infos.map((i) => pick(i) ?? null);
        await tx.run(PG_SAVE_ENRICHMENT, [
          column((i) => i.openid),
          column((i) => i.unionid),
          column((i) => i.subscribe_scene),
          column((i) => i.qr_scene),
          column((i) => i.qr_scene_str),
          column((i) => (i.tagid_list === undefined ? undefined : JSON.stringify(i.tagid_list))),
          column((i) => i.remark),
          column((i) => i.language),
          column((i) => i.subscribe_time),
          now,
          appid,
        ] as unknown as SqlValue[]);
        return conflicts;
      }
      for (const info of infos) {
        await tx.run(SAVE_ENRICHMENT, [
          info.unionid,
          info.subscribe_scene,
          info.qr_scene,
          info.qr_scene_str,
          info.tagid_list === undefined ? null : JSON.stringify(info.tagid_list),
          info.remark,
          info.language,
          info.subscribe_time,
          info.subscribe_time,
          now,
          now,
          appid,
          info.openid,
        ]);
      }
      return conflicts;
    });
  }

  unionIdConflicts(appid: string, openid: string): Promise<UnionIdConflict[]> {
    return listUnionIdConflicts(this.db, appid, openid);
  }

  async deferEnrichment(appid: string, openids: string[], retryAt: number): Promise<void> {
    const now = this.clock();
    for (const slice of chunk(unique(openids))) {
      await this.db.run(
        `UPDATE followers SET needs_enrichment = 1, enrich_after = ?, lease_until = 0, updated_at = ?
         WHERE appid = ? AND openid IN (${placeholders(slice.length)})`,
        [retryAt, now, appid, ...slice],
      );
    }
  }

  async pendingEnrichment(appid?: string): Promise<number> {
    const row =
      appid === undefined
        ? await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM followers WHERE needs_enrichment = 1')
        : await this.db.get<{ n: number }>(
            'SELECT COUNT(*) AS n FROM followers WHERE needs_enrichment = 1 AND appid = ?',
            [appid],
          );
    return Number(row?.n ?? 0);
  }

  async markListed(appid: string, openids: string[], syncId: string): Promise<number> {
    const now = this.clock();
    // Sorted and unique: PostgreSQL refuses a multi-row upsert that hits one row twice, and a fixed lock order
    // keeps two concurrent syncs from deadlocking.
    const sorted = unique(openids).sort(compare);
    let found = 0;
    await this.db.transaction(async (tx) => {
      if (!this.remembered.has(appid)) await tx.run(REMEMBER_ACCOUNT, [appid, now]);
      for (const slice of chunk(sorted)) {
        // Newly found: not held as subscribed before this upsert (a follow the webhook missed).
        const known = await tx.get<{ n: number | string }>(
          `SELECT COUNT(*) AS n FROM followers WHERE appid = ? AND subscribed = 1
           AND openid IN (${slice.map(() => '?').join(', ')})`,
          [appid, ...slice],
        );
        found += slice.length - Number(known?.n ?? 0);
        await tx.run(
          `INSERT INTO followers (appid, openid, subscribed, sync_id, created_at, updated_at)
           VALUES ${slice.map(() => '(?, ?, 1, ?, ?, ?)').join(', ')}
           ON CONFLICT (appid, openid) DO UPDATE SET
             subscribed = 1, needs_enrichment = 1, sync_id = excluded.sync_id, updated_at = excluded.updated_at`,
          slice.flatMap((openid) => [appid, openid, syncId, now, now]),
        );
      }
    });
    this.remembered.add(appid);
    return found;
  }

  async markUnlisted(appid: string, syncId: string, now: number): Promise<number> {
    // Keyset batches of the primary key, each its own statement and so its own short transaction: one UPDATE
    // of a million rows held SQLite's write lock (and the event loop) for 2 s. Each row is judged when its
    // batch runs: a follow recorded meanwhile carries this sync's id (sync state still holds it) and stays.
    let changed = 0;
    let visited = 0;
    let after = '';
    for (;;) {
      // The last openid of the next batch, read from the primary key alone; none: the rest is one batch.
      const bound = await this.db.get<{ openid: string }>(
        'SELECT openid FROM followers WHERE appid = ? AND openid > ? ORDER BY openid LIMIT 1 OFFSET ?',
        [appid, after, this.unlistedBatch - 1],
      );
      const range = bound ? 'openid > ? AND openid <= ?' : 'openid > ?';
      changed += await this.db.run(
        `UPDATE followers SET subscribed = 0, unsubscribe_time = ?, updated_at = ?
         WHERE appid = ? AND ${range} AND subscribed = 1 AND (sync_id IS NULL OR sync_id <> ?)`,
        [now, this.clock(), appid, after, ...(bound ? [bound.openid] : []), syncId],
      );
      if (!bound) break;
      visited += this.unlistedBatch;
      after = bound.openid;
      await yieldToEventLoop();
    }
    // A sync is when an account's table grows or changes most: the planner's statistics follow it.
    if (visited >= LARGE_SYNC) await refreshStatistics(this.db, ['followers']);
    return changed;
  }

  async *iterate(appid?: string, filter: FollowerFilter = {}): AsyncIterable<Follower> {
    // Keyset pages on the primary key: each query starts after the last row seen, so memory stays at one
    // page and no OFFSET is re-scanned, however many followers there are.
    let after: { appid: string; openid: string } | null = null;
    for (;;) {
      const where: string[] = [];
      const params: SqlValue[] = [];
      if (appid !== undefined) {
        where.push('appid = ?', 'openid > ?');
        params.push(appid, after?.openid ?? '');
      } else if (after !== null) {
        where.push('(appid, openid) > (?, ?)');
        params.push(after.appid, after.openid);
      }
      addFilter(where, params, filter);
      const rows: FollowerRow[] = await this.db.all<FollowerRow>(
        `SELECT ${COLUMNS} FROM followers ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY appid, openid LIMIT ?`,
        [...params, this.pageSize],
      );
      for (const row of rows) yield toFollower(row);
      const last = rows[rows.length - 1];
      if (!last || rows.length < this.pageSize) return;
      after = { appid: last.appid, openid: last.openid };
    }
  }

  async sceneStats(appid: string): Promise<SceneStats[]> {
    // Kept sums over a few shard rows per scene (recordEvent), in primary-key order: no event is read.
    const rows = await this.db.all<{
      scene: string;
      scans: number;
      subscribes: number;
      unsubscribes: number;
    }>(
      `SELECT scene, SUM(scans) AS scans, SUM(subscribes) AS subscribes, SUM(unsubscribes) AS unsubscribes
       FROM scene_stats WHERE appid = ?
       GROUP BY scene`,
      [appid],
    );
    // Sorted here: the two databases' collations would order mixed-case scenes differently.
    return rows
      .map((row) => ({
        scene: row.scene,
        scans: Number(row.scans),
        subscribes: Number(row.subscribes),
        unsubscribes: Number(row.unsubscribes),
      }))
      .sort((a, b) => compare(a.scene, b.scene));
  }

  async unionIdentities(unionid: string): Promise<UnionIdentity[]> {
    // A visitor who is also a follower of that account is listed once, as the follower. Snapshot-page users
    // (朋友圈快照页) carry a virtual identity, not a real person's: they never join a union.
    // signed_in: the identity also signed in on the web (a follower who used web authorization too).
    const rows = await this.db.all<UnionIdentity & { signed_in: number }>(
      `SELECT f.appid, f.openid, 'follower' AS source,
         CASE WHEN EXISTS (
           SELECT 1 FROM oauth_identities s
           WHERE s.appid = f.appid AND s.openid = f.openid AND s.is_snapshot_user = 0
         ) THEN 1 ELSE 0 END AS signed_in
       FROM followers f WHERE f.unionid = ?
       UNION ALL
       SELECT o.appid, o.openid, 'oauth' AS source, 1 AS signed_in FROM oauth_identities o
       WHERE o.unionid = ? AND o.is_snapshot_user = 0
         AND NOT EXISTS (
           SELECT 1 FROM followers f WHERE f.appid = o.appid AND f.openid = o.openid AND f.unionid = ?
         )
       ORDER BY appid, openid`,
      [unionid, unionid, unionid],
    );
    return rows.map(({ signed_in, ...identity }) => ({ ...identity, signedIn: Number(signed_in) === 1 }));
  }
}

/** The follow-time sort key, as the followers_followed index spells it. */
const FOLLOWED = 'COALESCE(subscribe_time, 0)';

/** Adds the conditions of `filter` to a WHERE list (also the filter of tagging jobs). */
export function addFilter(where: string[], params: SqlValue[], filter: FollowerFilter): void {
  if (filter.subscribed !== undefined) {
    // A literal, not a parameter: a planner can use the partial index of the unfollowed (migration 15) only
    // when the query's condition is the index's own.
    where.push(filter.subscribed ? 'subscribed = 1' : 'subscribed = 0');
  }
  if (filter.scene !== undefined) {
    where.push('scene = ?');
    params.push(filter.scene);
  }
  if (filter.unionid !== undefined) {
    where.push('unionid = ?');
    params.push(filter.unionid);
  }
  const search = filter.search?.trim();
  if (search) {
    // As in list(): ranges, not LIKE (byte order, no case folding). The export walks the primary key anyway.
    const end = prefixEnd(search);
    where.push('((openid >= ? AND openid < ?) OR (unionid >= ? AND unionid < ?))');
    params.push(search, end, search, end);
  }
  if (filter.since !== undefined) {
    where.push('subscribe_time >= ?');
    params.push(filter.since);
  }
  if (filter.tag !== undefined) {
    // The tag's members from follower_tags' primary key (migration 14), not the JSON column of every row.
    where.push(
      'openid IN (SELECT t.openid FROM follower_tags t WHERE t.appid = followers.appid AND t.tag_id = ?)',
    );
    params.push(filter.tag);
  }
  if (filter.blacklisted !== undefined) {
    where.push('blacklisted = ?');
    params.push(filter.blacklisted ? 1 : 0);
  }
}

/**
 * The smallest string above every string that starts with `prefix`: its last character moved up by one
 * (WeChat's ids are ASCII; a character at the top of its range is dropped and the one before it moved up).
 */
export function prefixEnd(prefix: string): string {
  const chars = [...prefix];
  while (chars.length > 0) {
    const last = chars.pop() as string;
    const code = last.codePointAt(0) as number;
    if (code < 0x10ffff) {
      // Skip the surrogate range: not a character on its own.
      const next = code + 1 === 0xd800 ? 0xe000 : code + 1;
      return chars.join('') + String.fromCodePoint(next);
    }
  }
  // Only U+10FFFF characters: nothing above them to stop at; a string of them is the top.
  return prefix + '\u{10ffff}';
}

async function applyEvent(
  tx: Queryable,
  type: FollowerEventType,
  event: FollowerEventInput,
  now: number,
): Promise<void> {
  const { appid, openid, createTime } = event;
  switch (type) {
    case 'subscribe':
      await tx.run(SUBSCRIBE, [appid, openid, createTime, event.scene, appid, now, now]);
      return;
    case 'unsubscribe':
      await tx.run(UNSUBSCRIBE, [appid, openid, createTime, now, now]);
      return;
    case 'scan':
      await tx.run(SCAN, [appid, openid, appid, now, now]);
      return;
  }
}

/**
 * Records a turn's events on PostgreSQL, one statement per round: a round holds at most one event of each
 * follower (an upsert may not touch a row twice in a statement), so the rare second event of a follower in the
 * same turn (or a retry racing its first delivery) goes into the next round, after the first committed: the
 * order of one follower's events is kept. The same as recording them one by one: only events whose row is
 * new (their identity is the key) touch a follower, count for a scene (summed per count row), remember the
 * account and the QR ticket. Rows are written in key order, so two instances' statements lock alike.
 */
async function recordEventsOnPostgres(
  db: Queryable,
  items: Array<{ event: FollowerEventInput; now: number }>,
): Promise<boolean[]> {
  const results: boolean[] = new Array<boolean>(items.length).fill(false);
  let pending = items.map((item, index) => ({ ...item, index }));
  while (pending.length > 0) {
    const round: typeof pending = [];
    const later: typeof pending = [];
    const seen = new Set<string>();
    for (const item of pending) {
      const follower = `${item.event.appid}\n${item.event.openid}`;
      if (seen.has(follower)) later.push(item);
      else {
        seen.add(follower);
        round.push(item);
      }
    }
    const column = <T>(pick: (e: FollowerEventInput, now: number) => T) =>
      round.map(({ event, now }) => pick(event, now));
    const rows = await db.all<{ appid: string; openid: string }>(PG_RECORD_EVENTS, [
      column((e) => e.appid),
      column((e) => e.openid),
      column((e) => e.type),
      column((e) => e.scene),
      column((e) => e.createTime),
      column((_e, now) => now),
      column((e) => sceneShard(e.openid)),
      column((e) => e.ticket),
    ] as unknown as SqlValue[]);
    const stored = new Set(rows.map((r) => `${r.appid}\n${r.openid}`));
    for (const item of round) results[item.index] = stored.has(`${item.event.appid}\n${item.event.openid}`);
    pending = later;
  }
  return results;
}

const conflictOf = (sql: string) => sql.slice(sql.indexOf('ON CONFLICT'));

// The statement of recordEventsOnPostgres. Parameters are columns as arrays: appid, openid, type, scene,
// create_time, now, shard, ticket. The event row keeps '' for no scene (migration 11); followers and counts
// want NULL. The ON CONFLICT clauses are SQLite's statements', shared text.
const PG_RECORD_EVENTS = `WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
      $7::integer[], $8::text[]) AS v(appid, openid, type, scene, create_time, recorded_at, shard, ticket)
  ), ev AS (
    INSERT INTO follower_events (appid, openid, type, scene, follow_scene, create_time, recorded_at)
    SELECT i.appid, i.openid, i.type, COALESCE(i.scene, ''),
      -- An unfollow remembers the scene of the follow it ends (read before this statement's own writes).
      CASE WHEN i.type = 'unsubscribe'
        THEN (SELECT f.scene FROM followers f WHERE f.appid = i.appid AND f.openid = i.openid) END,
      i.create_time, i.recorded_at
    FROM input i ORDER BY i.appid, i.openid
    ${conflictOf(INSERT_EVENT).replace(' RETURNING follow_scene', '')}
    RETURNING appid, openid, type, scene, follow_scene, create_time, recorded_at
  ), subscribed AS (
    INSERT INTO followers (appid, openid, subscribed, subscribe_time, scene, sync_id, created_at, updated_at)
    SELECT appid, openid, 1, create_time, NULLIF(scene, ''),
      (SELECT sync_id FROM sync_state WHERE appid = ev.appid), recorded_at, recorded_at
    FROM ev WHERE type = 'subscribe' ORDER BY appid, openid
    ${conflictOf(SUBSCRIBE)}
    RETURNING 1
  ), unsubscribed AS (
    INSERT INTO followers (appid, openid, subscribed, unsubscribe_time, created_at, updated_at)
    SELECT appid, openid, 0, create_time, recorded_at, recorded_at
    FROM ev WHERE type = 'unsubscribe' ORDER BY appid, openid
    ${conflictOf(UNSUBSCRIBE)}
    RETURNING 1
  ), scanned AS (
    INSERT INTO followers (appid, openid, subscribed, sync_id, created_at, updated_at)
    SELECT appid, openid, 1, (SELECT sync_id FROM sync_state WHERE appid = ev.appid), recorded_at, recorded_at
    FROM ev WHERE type = 'scan' ORDER BY appid, openid
    ${conflictOf(SCAN)}
    RETURNING 1
  ), counted AS (
    INSERT INTO scene_stats (appid, scene, shard, scans, subscribes, unsubscribes)
    SELECT appid, scene, shard, SUM(scans), SUM(subscribes), SUM(unsubscribes) FROM (
      SELECT ev.appid, i.shard,
        CASE WHEN ev.type = 'unsubscribe' THEN ev.follow_scene ELSE NULLIF(ev.scene, '') END AS scene,
        CASE WHEN ev.type = 'scan' THEN 1 ELSE 0 END AS scans,
        CASE WHEN ev.type = 'subscribe' THEN 1 ELSE 0 END AS subscribes,
        CASE WHEN ev.type = 'unsubscribe' THEN 1 ELSE 0 END AS unsubscribes
      FROM ev JOIN input i ON i.appid = ev.appid AND i.openid = ev.openid
    ) AS c
    WHERE scene IS NOT NULL
    GROUP BY appid, scene, shard ORDER BY appid, scene, shard
    ${conflictOf(COUNT_SCENE)}
    RETURNING 1
  ), account AS (
    INSERT INTO accounts (appid, created_at)
    SELECT appid, MIN(recorded_at) FROM ev GROUP BY appid ORDER BY appid
    ON CONFLICT (appid) DO NOTHING
    RETURNING 1
  ), ticket AS (
    INSERT INTO event_tickets (appid, ticket, scene, first_seen)
    SELECT DISTINCT ON (i.appid, i.ticket) i.appid, i.ticket, i.scene, i.create_time
    FROM ev JOIN input i ON i.appid = ev.appid AND i.openid = ev.openid
    WHERE i.ticket IS NOT NULL
    ORDER BY i.appid, i.ticket, i.create_time
    ON CONFLICT (appid, ticket) DO NOTHING
    RETURNING 1
  )
  SELECT appid, openid FROM ev`;

/** The count shard of a follower's scene events: a stable hash of the openid. */
function sceneShard(openid: string): number {
  let hash = 0;
  for (let i = 0; i < openid.length; i++) hash = (hash * 31 + openid.charCodeAt(i)) | 0;
  return Math.abs(hash) % SCENE_SHARDS;
}

function toFollower(row: FollowerRow): Follower {
  return {
    appid: row.appid,
    openid: row.openid,
    unionid: row.unionid,
    subscribed: Number(row.subscribed) === 1,
    subscribeTime: nullableNumber(row.subscribe_time),
    unsubscribeTime: nullableNumber(row.unsubscribe_time),
    scene: row.scene,
    subscribeScene: row.subscribe_scene,
    qrScene: nullableNumber(row.qr_scene),
    qrSceneStr: row.qr_scene_str,
    tags: parseTags(row.tags),
    remark: row.remark,
    language: row.language,
    enrichedAt: row.enriched_at === null ? null : new Date(Number(row.enriched_at)).toISOString(),
    blacklisted: Number(row.blacklisted) === 1,
  };
}

function parseTags(json: string): number[] {
  const parsed: unknown = JSON.parse(json);
  return Array.isArray(parsed) ? parsed.filter((tag): tag is number => typeof tag === 'number') : [];
}

function nullableNumber(value: number | null): number | null {
  return value === null ? null : Number(value);
}

function clampLimit(limit: number): number {
  if (!Number.isFinite(limit)) return MAX_LIST_LIMIT;
  return Math.min(Math.max(Math.trunc(limit), 1), MAX_LIST_LIMIT);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** The order both databases' key columns sort by (byte order; the same as code units for WeChat's ASCII ids). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
