import type { Logger } from '../logger.js';
import type { ReplyRecord, ReplyRecordStore } from './reply-store.js';
import { WebhookError } from './webhook-errors.js';

/** Timings of the retry handling. */
export interface DeliveryDedupOptions {
  /** How long a claim holds if its process dies before finishing (a later retry may then handle it). */
  leaseMs: number;
  /** How long an answered push is remembered for retries. */
  ttlMs: number;
  /** How often a waiting duplicate looks at the store when the first delivery runs elsewhere. */
  pollMs: number;
  logger: Logger;
}

/**
 * One answer per push across retries (INTERFACE.md §3, WECHAT-PROTOCOL.md §5). The first delivery claims
 * the dedup key in the store before any handler runs; a retry that finds it answered gets the stored reply,
 * and one that finds it still running waits for it — through an in-process promise when the first delivery
 * runs here, by polling the store when it runs on another instance.
 */
export class DeliveryDedup {
  readonly #store: ReplyRecordStore;
  readonly #options: DeliveryDedupOptions;
  /** Answers being produced in this process, until the store has them. */
  readonly #local = new Map<string, Promise<string>>();
  /** Store writes under way, and who waits for them to end (drain()). */
  #writes = 0;
  #drained: Array<() => void> = [];

  constructor(store: ReplyRecordStore, options: DeliveryDedupOptions) {
    this.#store = store;
    this.#options = options;
  }

  /** Claims `key`; a store failure becomes a WebhookError('store') so the push is refused untouched. */
  claim(key: string): Promise<ReplyRecord> {
    return this.#store.claim(key, this.#options.leaseMs).catch((cause: unknown) => {
      throw new WebhookError('store', 'the reply store could not claim the push', { cause });
    });
  }

  /**
   * Records the answer a claimed push will get. Duplicates in this process see it at once; the store write
   * happens in the background so it never delays the response.
   */
  finish(key: string, answer: Promise<string>): void {
    this.#local.set(key, answer);
    this.#writes++;
    const done = (): void => {
      this.#local.delete(key);
      if (--this.#writes === 0 && this.#drained.length > 0) {
        const waiting = this.#drained;
        this.#drained = [];
        for (const resolve of waiting) resolve();
      }
    };
    answer
      .then((reply) => this.#store.finish(key, reply, this.#options.ttlMs))
      .then(done, (err: unknown) => {
        this.#options.logger.error({ err, dedupKey: key }, 'could not store the reply of a push');
        done();
      });
  }

  /**
   * The answer of a push another delivery is handling, or null when it has not come by `deadline`
   * (milliseconds on `clock`, a monotonic clock such as `performance.now`).
   */
  async waitFor(key: string, deadline: number, clock: () => number): Promise<string | null> {
    const local = this.#local.get(key);
    if (local !== undefined) return raceDeadline(local, deadline - clock());
    for (;;) {
      let record: ReplyRecord;
      try {
        record = await this.#store.peek(key);
      } catch (err) {
        this.#options.logger.warn(
          { err, dedupKey: key },
          'could not read the reply store for a duplicate push',
        );
        return null;
      }
      if (record.state === 'done') return record.reply;
      // The claim vanished (released, or its lease ran out): nothing will answer this delivery.
      if (record.state === 'new') return null;
      const left = deadline - clock();
      if (left <= 0) return null;
      const settled = this.#local.get(key);
      if (settled !== undefined) return raceDeadline(settled, left);
      await sleep(Math.min(this.#options.pollMs, left));
    }
  }

  /** Resolves when every answer of this process has reached the store. */
  async drain(): Promise<void> {
    while (this.#writes > 0) await new Promise<void>((resolve) => this.#drained.push(resolve));
  }
}

function raceDeadline(answer: Promise<string>, ms: number): Promise<string | null> {
  if (ms <= 0) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    answer.then(
      (reply) => {
        clearTimeout(timer);
        resolve(reply);
      },
      () => {
        clearTimeout(timer);
        resolve(null);
      },
    );
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
