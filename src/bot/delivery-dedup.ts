import type { Logger } from '../logger.js';
import type { ReplyRecord, ReplyRecordStore } from './reply-store.js';
import { sleepOn, type Timers } from './timers.js';
import { WebhookError } from './webhook-errors.js';

/** Timings of the retry handling. */
export interface DeliveryDedupOptions {
  /** How long a claim holds if its process dies before finishing (a later retry may then handle it). */
  leaseMs: number;
  /** How long an answered push is remembered for retries. */
  ttlMs: number;
  /** How often a waiting duplicate looks at the store when the first delivery runs elsewhere. */
  pollMs: number;
  /** What waiting duplicates poll and time out with. */
  timers: Timers;
  logger: Logger;
}

/** How the wait for an earlier delivery of the same push ended. */
export type WaitOutcome =
  | { kind: 'reply'; reply: string } // the earlier delivery answered: send the same
  | { kind: 'claimed' } // its claim ran out (its instance died) and this delivery took it over: handle it
  | { kind: 'unanswered' }; // no answer in time, or it failed: answer an error so WeChat delivers again

/**
 * One answer per push across retries (INTERFACE.md §3, WECHAT-PROTOCOL.md §5). The first delivery claims
 * the dedup key in the store before any handler runs; a retry that finds it answered gets the stored reply,
 * and one that finds it still running waits for it — through an in-process promise when the first delivery
 * runs here, by polling the store when it runs on another instance (or ran here before a restart). A claim
 * whose lease ran out is taken over, by exactly one delivery (the store's claim is conditional on the
 * lease). A delivery is never acknowledged for a push nobody handled: a wait without an answer ends in an
 * error, and a push whose effects could not be stored has its claim released.
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
   * happens in the background so it never delays the response. An answer that rejects (the push was not
   * handled) releases the claim instead, so the next delivery handles the push.
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
      .then(
        (reply) =>
          this.#store.finish(key, reply, this.#options.ttlMs).catch((err: unknown) => {
            this.#options.logger.error({ err, dedupKey: key }, 'could not store the reply of a push');
          }),
        () =>
          // If this fails too, the claim's lease running out frees the push for a later delivery.
          this.#store.release(key).catch((err: unknown) => {
            this.#options.logger.warn({ err, dedupKey: key }, 'could not release the claim of a push');
          }),
      )
      .then(done, done);
  }

  /**
   * Waits for the earlier delivery of a push whose claim is pending, until `deadline` (milliseconds on
   * the timers' clock).
   */
  async waitFor(key: string, deadline: number): Promise<WaitOutcome> {
    const { timers } = this.#options;
    for (;;) {
      const local = this.#local.get(key);
      if (local !== undefined) return raceDeadline(local, deadline - timers.now(), timers);
      let record: ReplyRecord;
      try {
        record = await this.#store.peek(key);
        // The claim vanished (its lease ran out, or it was released): take it over. The claim is
        // conditional, so of several deliveries that see this only one gets 'new'.
        if (record.state === 'new') record = await this.#store.claim(key, this.#options.leaseMs);
      } catch (err) {
        this.#options.logger.warn(
          { err, dedupKey: key },
          'could not read the reply store for a duplicate push',
        );
        return UNANSWERED;
      }
      if (record.state === 'new') return { kind: 'claimed' };
      if (record.state === 'done') return { kind: 'reply', reply: record.reply };
      const left = deadline - timers.now();
      if (left <= 0) return UNANSWERED;
      await sleepOn(timers, Math.min(this.#options.pollMs, left));
    }
  }

  /** Resolves when every answer of this process has reached the store. */
  async drain(): Promise<void> {
    while (this.#writes > 0) await new Promise<void>((resolve) => this.#drained.push(resolve));
  }
}

const UNANSWERED: WaitOutcome = Object.freeze({ kind: 'unanswered' });

function raceDeadline(answer: Promise<string>, ms: number, timers: Timers): Promise<WaitOutcome> {
  if (ms <= 0) return Promise.resolve(UNANSWERED);
  return new Promise((resolve) => {
    const timer = timers.setTimeout(() => resolve(UNANSWERED), ms);
    answer.then(
      (reply) => {
        timers.clearTimeout(timer);
        resolve({ kind: 'reply', reply });
      },
      () => {
        timers.clearTimeout(timer);
        resolve(UNANSWERED);
      },
    );
  });
}
