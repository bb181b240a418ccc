import type { Db, Queryable } from './db.js';

/**
 * A write of a repository: `body` runs its statements on `q`; `atomic` says they must commit together
 * (when run alone it gets its own transaction).
 */
interface Pending {
  body: (q: Queryable) => Promise<unknown>;
  atomic: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const queues = new WeakMap<Db, Pending[]>();

/**
 * Runs a write, on SQLite grouped with every other write of the same database that arrives during this turn
 * of the event loop into one transaction, committed from `setImmediate`.
 *
 * Why: on SQLite every commit appends the pages it touched to the WAL (and runs the auto-checkpoint). The
 * profile of the full server under the bench (bench/run.mjs --profile, wxoa-server) showed better-sqlite3's
 * `exec` (COMMIT) and autocommit statements at ~55% of the busy CPU, with four commits per push (dedup claim,
 * follower event, dedup finish, passive reply). Under load one commit now covers the pushes of a turn.
 *
 * The caller's promise settles only after the shared commit, so "written" still means committed before a
 * reply goes out. If the shared transaction fails, each write is retried alone, so a bad write fails only
 * its own caller and never leaves half of itself behind (the batch rolled back as a whole).
 *
 * PostgreSQL runs statements on a pool in parallel, where one serial transaction would be slower: there
 * each write runs as before, alone (in its own transaction when `atomic`).
 */
export function batchedWrite<R>(db: Db, atomic: boolean, body: (q: Queryable) => Promise<R>): Promise<R> {
  if (db.dialect !== 'sqlite') return alone(db, atomic, body);
  let queue = queues.get(db);
  if (!queue) {
    queue = [];
    queues.set(db, queue);
  }
  const q = queue;
  return new Promise<R>((resolve, reject) => {
    const entry: Pending = { body, atomic, resolve: resolve as (value: unknown) => void, reject };
    if (q.push(entry) === 1) setImmediate(() => void flush(db, q));
  });
}

function alone<R>(db: Db, atomic: boolean, body: (q: Queryable) => Promise<R>): Promise<R> {
  return atomic ? db.transaction(body) : body(db);
}

async function flush(db: Db, queue: Pending[]): Promise<void> {
  const batch = queue.splice(0, queue.length);
  if (batch.length === 1) {
    const only = batch[0]!;
    await alone(db, only.atomic, only.body).then(only.resolve, only.reject);
    return;
  }
  let results: unknown[];
  try {
    results = await db.transaction(async (tx) => {
      const out: unknown[] = [];
      for (const entry of batch) out.push(await entry.body(tx));
      return out;
    });
  } catch {
    for (const entry of batch) await alone(db, entry.atomic, entry.body).then(entry.resolve, entry.reject);
    return;
  }
  batch.forEach((entry, i) => entry.resolve(results[i]));
}

/**
 * Gathers the items that arrive during one turn of the event loop and hands them to `run` together, as ONE
 * multi-row statement: on PostgreSQL each statement is a round trip and a backend's work, so under load the
 * pushes of a turn share one (issue 11: "several concurrent pushes' writes batched into one multi-row
 * statement"). `run` resolves to one result per item, in order. If a batch of several fails, each item is
 * tried again alone, so a bad item (or a deadlock with another instance) fails only its own caller.
 */
export class TurnBatch<I, O> {
  #items: I[] = [];
  #waiting: Array<{ resolve: (value: O) => void; reject: (error: unknown) => void }> = [];

  constructor(private readonly run: (items: I[]) => Promise<O[]>) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      if (this.#items.push(item) === 1) setImmediate(() => void this.#flush());
      this.#waiting.push({ resolve, reject });
    });
  }

  async #flush(): Promise<void> {
    const items = this.#items;
    const waiting = this.#waiting;
    this.#items = [];
    this.#waiting = [];
    try {
      const results = await this.run(items);
      waiting.forEach((w, i) => w.resolve(results[i] as O));
    } catch (error) {
      if (items.length === 1) {
        waiting[0]?.reject(error);
        return;
      }
      await Promise.all(
        items.map((item, i) =>
          this.run([item]).then(
            (results) => waiting[i]?.resolve(results[0] as O),
            (alone: unknown) => waiting[i]?.reject(alone),
          ),
        ),
      );
    }
  }
}
