import type {
  BatchOutcome,
  FollowerJob,
  FollowerJobFailure,
  FollowerJobFilter,
  FollowerJobKind,
  FollowerJobRepo,
  FollowerJobState,
} from '../followers/follower-job.js';
import type { Db, Queryable, SqlValue } from './db.js';
import { chunk, placeholders } from './sql-chunks.js';
import { addFilter } from './sql-follower-repo.js';
import { changeFollowerTags } from './sql-follower-tags.js';

type Row = {
  id: number | string;
  appid: string;
  kind: string;
  tag_id: number | string | null;
  filter: string | null;
  state: string;
  total: number | string;
  done: number | string;
  failed: number | string;
  cursor: string;
  holder: string | null;
  lease_until: number | string;
  retry_at: number | string;
  calls: number | string;
  error: string | null;
  created_at: number | string;
  finished_at: number | string | null;
};

const COLUMNS =
  'id, appid, kind, tag_id, filter, state, total, done, failed, cursor, holder, lease_until, retry_at, ' +
  'calls, error, created_at, finished_at';

function toJob(row: Row): FollowerJob {
  return {
    id: Number(row.id),
    appid: row.appid,
    kind: row.kind as FollowerJobKind,
    tagId: row.tag_id === null ? null : Number(row.tag_id),
    filter: row.filter === null ? null : (JSON.parse(row.filter) as FollowerJobFilter),
    state: row.state as FollowerJobState,
    total: Number(row.total),
    done: Number(row.done),
    failed: Number(row.failed),
    cursor: row.cursor,
    holder: row.holder,
    leaseUntil: Number(row.lease_until),
    retryAt: Number(row.retry_at),
    calls: Number(row.calls),
    error: row.error,
    createdAt: Number(row.created_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}

/** FollowerJobRepo on either database (migration 14). */
export class SqlFollowerJobRepo implements FollowerJobRepo {
  constructor(
    private readonly db: Db,
    private readonly clock: () => number,
  ) {}

  async create(input: {
    appid: string;
    kind: FollowerJobKind;
    tagId: number | null;
    openids?: readonly string[];
    filter?: FollowerJobFilter;
  }): Promise<FollowerJob> {
    const now = this.clock();
    // Counted before the write transaction, which must stay short (SQLite has one writer): an index range
    // for a scene or a tag, the kept counts (migration 7) for "every follower" rather than a million rows.
    const counted = input.openids ? 0 : await this.countMatching(input.appid, input.filter ?? {});
    return this.db.transaction(async (tx) => {
      const row = await tx.get<Row>(
        `INSERT INTO follower_jobs (appid, kind, tag_id, filter, state, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'queued', ?, ?) RETURNING ${COLUMNS}`,
        [input.appid, input.kind, input.tagId, input.filter ? JSON.stringify(input.filter) : null, now, now],
      );
      const job = toJob(row!);
      let total: number;
      if (input.openids) {
        const unique = [...new Set(input.openids)];
        for (const slice of chunk(unique)) {
          await tx.run(
            `INSERT INTO follower_job_items (job_id, openid) VALUES ${slice.map(() => '(?, ?)').join(', ')}`,
            slice.flatMap((openid) => [job.id, openid]),
          );
        }
        total = unique.length;
      } else {
        total = counted;
      }
      await tx.run('UPDATE follower_jobs SET total = ? WHERE id = ?', [total, job.id]);
      return { ...job, total };
    });
  }

  private async countMatching(appid: string, filter: FollowerJobFilter): Promise<number> {
    if (filter.scene === undefined && filter.tag === undefined && filter.subscribed !== undefined) {
      const row = await this.db.get<{ total: number | string | null; subscribed: number | string | null }>(
        'SELECT SUM(total) AS total, SUM(subscribed) AS subscribed FROM follower_counts WHERE appid = ?',
        [appid],
      );
      const total = Number(row?.total ?? 0);
      const subscribed = Number(row?.subscribed ?? 0);
      return filter.subscribed ? subscribed : total - subscribed;
    }
    const where = ['appid = ?'];
    const params: SqlValue[] = [appid];
    addFilter(where, params, filter);
    const row = await this.db.get<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM followers WHERE ${where.join(' AND ')}`,
      params,
    );
    return Number(row?.n ?? 0);
  }

  async get(id: number): Promise<FollowerJob | null> {
    const row = await this.db.get<Row>(`SELECT ${COLUMNS} FROM follower_jobs WHERE id = ?`, [id]);
    return row ? toJob(row) : null;
  }

  async failures(id: number): Promise<FollowerJobFailure[]> {
    return this.db.all<FollowerJobFailure>(
      'SELECT openid, error FROM follower_job_failures WHERE job_id = ? ORDER BY openid',
      [id],
    );
  }

  async open(): Promise<FollowerJob[]> {
    const rows = await this.db.all<Row>(
      `SELECT ${COLUMNS} FROM follower_jobs WHERE state IN ('queued', 'running') ORDER BY id`,
    );
    return rows.map(toJob);
  }

  async take(seen: FollowerJob, holder: string, leaseMs: number): Promise<FollowerJob | null> {
    const now = this.clock();
    const row = await this.db.get<Row>(
      `UPDATE follower_jobs SET state = 'running', holder = ?, lease_until = ?, updated_at = ?
       WHERE id = ? AND state IN ('queued', 'running') AND COALESCE(holder, '') = ? AND lease_until = ?
       RETURNING ${COLUMNS}`,
      [holder, now + leaseMs, now, seen.id, seen.holder ?? '', seen.leaseUntil],
    );
    return row ? toJob(row) : null;
  }

  async nextBatch(job: FollowerJob, size: number): Promise<string[]> {
    if (job.filter === null) {
      const rows = await this.db.all<{ openid: string }>(
        'SELECT openid FROM follower_job_items WHERE job_id = ? AND openid > ? ORDER BY openid LIMIT ?',
        [job.id, job.cursor, size],
      );
      return rows.map((r) => r.openid);
    }
    const where = ['appid = ?', 'openid > ?'];
    const params: SqlValue[] = [job.appid, job.cursor];
    addFilter(where, params, job.filter);
    const rows = await this.db.all<{ openid: string }>(
      `SELECT openid FROM followers WHERE ${where.join(' AND ')} ORDER BY openid LIMIT ?`,
      [...params, size],
    );
    return rows.map((r) => r.openid);
  }

  async settle(job: FollowerJob, holder: string, outcome: BatchOutcome, leaseMs: number): Promise<boolean> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const changed = await tx.run(
        `UPDATE follower_jobs SET cursor = ?, done = done + ?, failed = failed + ?, calls = calls + ?,
           lease_until = ?, updated_at = ?, error = NULL
         WHERE id = ? AND holder = ? AND state = 'running'`,
        [
          outcome.last,
          outcome.accepted.length,
          outcome.failures.length,
          outcome.calls,
          now + leaseMs,
          now,
          job.id,
          holder,
        ],
      );
      if (changed === 0) return false;
      for (const f of outcome.failures) {
        await tx.run(
          `INSERT INTO follower_job_failures (job_id, openid, error) VALUES (?, ?, ?)
           ON CONFLICT (job_id, openid) DO UPDATE SET error = excluded.error`,
          [job.id, f.openid, f.error],
        );
      }
      await applyAccepted(tx, job, outcome.accepted, now);
      return true;
    });
  }

  async defer(id: number, holder: string, retryAt: number, error: string): Promise<void> {
    await this.db.run(
      `UPDATE follower_jobs SET retry_at = ?, lease_until = 0, error = ?, updated_at = ?
       WHERE id = ? AND holder = ? AND state = 'running'`,
      [retryAt, error, this.clock(), id, holder],
    );
  }

  async finish(
    id: number,
    holder: string,
    state: 'done' | 'failed',
    error: string | null = null,
  ): Promise<boolean> {
    const now = this.clock();
    const changed = await this.db.run(
      `UPDATE follower_jobs SET state = ?, error = ?, finished_at = ?, lease_until = 0, updated_at = ?,
         total = CASE WHEN ? = 'done' THEN done + failed ELSE total END
       WHERE id = ? AND holder = ? AND state = 'running'`,
      [state, error, now, now, state, id, holder],
    );
    return changed > 0;
  }
}

/** The local follower rows follow what WeChat accepted, and only that. */
async function applyAccepted(tx: Queryable, job: FollowerJob, openids: string[], now: number): Promise<void> {
  if (openids.length === 0) return;
  const tagId = job.tagId;
  switch (job.kind) {
    case 'tag':
      if (tagId === null) return;
      await changeFollowerTags(
        tx,
        job.appid,
        openids,
        (tags) => (tags.includes(tagId) ? tags : [...tags, tagId]),
        now,
      );
      return;
    case 'untag':
      if (tagId === null) return;
      await changeFollowerTags(tx, job.appid, openids, (tags) => tags.filter((t) => t !== tagId), now);
      return;
    case 'blacklist':
    case 'unblacklist':
      for (const slice of chunk(openids)) {
        await tx.run(
          `UPDATE followers SET blacklisted = ?, updated_at = ?
           WHERE appid = ? AND openid IN (${placeholders(slice.length)})`,
          [job.kind === 'blacklist' ? 1 : 0, now, job.appid, ...slice],
        );
      }
      return;
  }
}
