import type {
  SyncOutcome,
  SyncRun,
  SyncRunCounts,
  SyncRunRepo,
  SyncTrigger,
} from '../followers/sync-run-repo.js';
import type { Db, Queryable } from './db.js';

type Row = {
  id: number | string;
  appid: string;
  started_by: string;
  holder: string;
  started_at: number | string;
  lease_until: number | string;
  finished_at: number | string | null;
  outcome: string;
  resumed: number | string | boolean;
  listed: number | string;
  newly_found: number | string;
  unsubscribed: number | string;
  enriched: number | string;
  enrich_failed: number | string;
  error: string | null;
};

const COLUMNS =
  'id, appid, started_by, holder, started_at, lease_until, finished_at, outcome, resumed, listed, ' +
  'newly_found, unsubscribed, enriched, enrich_failed, error';

function toRun(row: Row): SyncRun {
  return {
    id: Number(row.id),
    appid: row.appid,
    trigger: row.started_by as SyncTrigger,
    holder: row.holder,
    startedAt: Number(row.started_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    leaseUntil: Number(row.lease_until),
    outcome: row.outcome as SyncOutcome,
    resumed: Number(row.resumed) === 1 || row.resumed === true,
    listed: Number(row.listed),
    newlyFound: Number(row.newly_found),
    unsubscribed: Number(row.unsubscribed),
    enriched: Number(row.enriched),
    enrichFailed: Number(row.enrich_failed),
    error: row.error,
  };
}

/** SyncRunRepo on either database: the run record and the per-account sync lease in one table. */
export class SqlSyncRunRepo implements SyncRunRepo {
  constructor(
    private readonly db: Db,
    private readonly clock: () => number,
  ) {}

  async begin(input: {
    appid: string;
    trigger: SyncTrigger;
    holder: string;
    resumed: boolean;
    leaseMs: number;
  }): Promise<{ run: SyncRun } | { busy: SyncRun }> {
    return this.db.transaction(async (tx) => {
      // Serialises instances starting a run of this account (SQLite's write lock does it already).
      await tx.lock(`sync-run:${input.appid}`);
      const now = this.clock();
      const running = await this.running(tx, input.appid);
      if (running && running.leaseUntil > now) return { busy: running };
      if (running) {
        await tx.run(
          `UPDATE sync_runs SET outcome = 'abandoned', finished_at = ? WHERE id = ? AND outcome = 'running'`,
          [now, running.id],
        );
      }
      const row = await tx.get<Row>(
        `INSERT INTO sync_runs (appid, started_by, holder, started_at, lease_until, outcome, resumed)
         VALUES (?, ?, ?, ?, ?, 'running', ?) RETURNING ${COLUMNS}`,
        [input.appid, input.trigger, input.holder, now, now + input.leaseMs, input.resumed ? 1 : 0],
      );
      return { run: toRun(row!) };
    });
  }

  async renew(id: number, leaseMs: number): Promise<boolean> {
    const changed = await this.db.run(
      `UPDATE sync_runs SET lease_until = ? WHERE id = ? AND outcome = 'running'`,
      [this.clock() + leaseMs, id],
    );
    return changed > 0;
  }

  async update(id: number, counts: SyncRunCounts, leaseMs: number): Promise<boolean> {
    const changed = await this.db.run(
      `UPDATE sync_runs SET lease_until = ?, listed = ?, newly_found = ?, unsubscribed = ?, enriched = ?,
         enrich_failed = ?
       WHERE id = ? AND outcome = 'running'`,
      [this.clock() + leaseMs, ...countValues(counts), id],
    );
    return changed > 0;
  }

  async finish(
    id: number,
    outcome: Exclude<SyncOutcome, 'running' | 'abandoned'>,
    counts: SyncRunCounts,
    error: string | null = null,
  ): Promise<boolean> {
    const now = this.clock();
    const changed = await this.db.run(
      `UPDATE sync_runs SET outcome = ?, finished_at = ?, lease_until = ?, listed = ?, newly_found = ?,
         unsubscribed = ?, enriched = ?, enrich_failed = ?, error = ?
       WHERE id = ? AND outcome = 'running'`,
      [outcome, now, now, ...countValues(counts), error, id],
    );
    return changed > 0;
  }

  async recent(appid: string, limit: number): Promise<SyncRun[]> {
    const rows = await this.db.all<Row>(
      `SELECT ${COLUMNS} FROM sync_runs WHERE appid = ? ORDER BY id DESC LIMIT ?`,
      [appid, Math.max(1, Math.trunc(limit))],
    );
    return rows.map(toRun);
  }

  private async running(q: Queryable, appid: string): Promise<SyncRun | null> {
    const row = await q.get<Row>(`SELECT ${COLUMNS} FROM sync_runs WHERE appid = ? AND outcome = 'running'`, [
      appid,
    ]);
    return row ? toRun(row) : null;
  }
}

function countValues(c: SyncRunCounts): number[] {
  return [c.listed, c.newlyFound, c.unsubscribed, c.enriched, c.enrichFailed];
}
