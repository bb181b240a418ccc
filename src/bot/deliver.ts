import type { Logger } from '../logger.js';
import { dedupKey, type InboundMessage, type Reply } from '../wire/index.js';
import type { MiddlewareFn } from './composer.js';
import { pushIdentity, type Context } from './context.js';
import { DeliveryDedup } from './delivery-dedup.js';
import { dispatch, SUCCESS, type DispatchOutcome } from './dispatch.js';
import type { ReplyRecordStore } from './reply-store.js';
import type { Timers } from './timers.js';
import { WebhookError } from './webhook-errors.js';

/** The push a reply belongs to: enough to send a customer-service message or record the conversation. */
export interface PushInfo {
  appid: string;
  openid: string;
  dedupKey: string;
  message: InboundMessage;
}

/** Delivers a reply made after the push was answered, e.g. as a customer-service message (§4.1). */
export type LateReplySink = (push: PushInfo, reply: Reply) => Promise<void>;

/** Told about each passive reply sent (once per push, not per retried delivery), e.g. to record it. */
export type PassiveReplyListener = (push: PushInfo, reply: Reply) => Promise<void> | void;

/** Told how pushes were answered, e.g. for metrics. Called on the push's path: it must be cheap and not throw. */
export interface WebhookObserver {
  /** A push's handlers gave their answer (once per push, not per delivery), after `ms` milliseconds. */
  handled(
    appid: string,
    message: InboundMessage,
    outcome: Exclude<DispatchOutcome['kind'], 'unhandled'>,
    ms: number,
  ): void;
  /** A retried delivery answered from the dedup record, or after waiting for the first delivery's reply. */
  retried(appid: string, message: InboundMessage, answered: 'record' | 'waited'): void;
}

/** What {@link createDelivery} needs: the handlers, where answers are kept, and the budget. */
export interface DeliveryOptions {
  middleware: MiddlewareFn<Context>;
  replyStore: ReplyRecordStore;
  /** Milliseconds the handlers get, counted from the push's arrival. */
  budgetMs: number;
  /** How long an answered push is remembered for retries. */
  ttlMs: number;
  lateReplySink: LateReplySink | undefined;
  onPassiveReply: PassiveReplyListener | undefined;
  observer: WebhookObserver | undefined;
  logger: Logger;
  /** Unix milliseconds. */
  clock: () => number;
  timers: Timers;
}

/** The deliver half of the webhook (receive.ts is the other): once per push, however often it arrives. */
export interface Delivery {
  /**
   * Claims a received push, runs the handlers once, and resolves to its plaintext reply XML or 'success';
   * a retried delivery gets the first delivery's answer. Throws `WebhookError('not_handled')` when the push
   * is not handled (its effects could not be stored, or an earlier delivery never answered): never `200`
   * without the push's effects (INTERFACE.md §3). `started` is the push's arrival on `timers.now()`.
   */
  deliver(appid: string, message: InboundMessage, started: number): Promise<string>;
  /** Resolves when running handlers, late replies and reply-store writes have finished (for shutdown). */
  drain(): Promise<void>;
}

/** Builds the deliver step: claim (dedup) → dispatch (budget) → remember the answer. */
export function createDelivery(options: DeliveryOptions): Delivery {
  const { middleware, budgetMs, logger, clock, timers, observer, onPassiveReply } = options;
  const sink = options.lateReplySink;
  const dedup = new DeliveryDedup(options.replyStore, {
    // A claim outlives the budget a little, so only a crashed delivery's claim is ever taken over.
    leaseMs: budgetMs + 1000,
    ttlMs: options.ttlMs,
    pollMs: Math.max(10, Math.min(100, budgetMs / 20)),
    timers,
    logger,
  });
  // Handler chains and background listeners still running, for drain(); a count, not a set of promises,
  // because it is touched on every push.
  let running = 0;
  let idle: Array<() => void> = [];
  const settled = (): void => {
    if (--running === 0 && idle.length > 0) {
      const waiting = idle;
      idle = [];
      for (const resolve of waiting) resolve();
    }
  };
  const track = (task: Promise<unknown>): void => {
    running++;
    task.then(settled, settled);
  };

  /** Runs a listener in the background: tracked for drain(), its failure logged with the push identity. */
  function background(what: string, push: PushInfo, reply: Reply, listener: PassiveReplyListener): void {
    track(
      Promise.resolve()
        .then(() => listener(push, reply))
        .catch((err: unknown) => {
          logger.error(
            { err, ...pushIdentity(push.appid, push.message, push.dedupKey), replyType: reply.type },
            `${what} failed`,
          );
        }),
    );
  }

  function lateReply(push: PushInfo, reply: Reply): void {
    if (sink === undefined) {
      logger.warn(
        { ...pushIdentity(push.appid, push.message, push.dedupKey), replyType: reply.type },
        'reply made after the budget ran out; dropped (no lateReplySink)',
      );
      return;
    }
    background('lateReplySink', push, reply, sink);
  }

  /** Runs the handlers of a claimed push; resolves to the inner reply XML or 'success'. */
  async function run(appid: string, message: InboundMessage, key: string, started: number): Promise<string> {
    const push: PushInfo = { appid, openid: message.FromUserName, dedupKey: key, message };
    const dispatched = observer === undefined ? 0 : performance.now();
    const { outcome, done } = dispatch(middleware, message, {
      appid,
      dedupKey: key,
      logger,
      clock,
      // What the claim, crypto and parsing took comes off the budget: it counts from arrival.
      budgetMs: Math.max(1, budgetMs - (timers.now() - started)),
      onLateReply: (reply) => lateReply(push, reply),
      timers,
    });
    track(done);
    const result = await outcome;
    if (result.kind === 'unhandled') {
      // Rejecting releases the claim (DeliveryDedup.finish): WeChat's next delivery handles the push.
      throw new WebhookError('not_handled', 'the push could not be stored', { cause: result.error });
    }
    observer?.handled(appid, message, result.kind, performance.now() - dispatched);
    if (result.kind !== 'reply') return SUCCESS;
    if (onPassiveReply !== undefined) background('onPassiveReply', push, result.reply, onPassiveReply);
    return result.xml;
  }

  return {
    async deliver(appid, message, started) {
      const key = dedupKey(message);
      let record = await dedup.claim(key);
      let waited = false;
      if (record.state === 'pending') {
        // An earlier delivery holds the claim (WeChat retried, or re-sent in parallel): wait for its reply
        // within this delivery's own budget rather than running the handlers twice. If its instance died,
        // its lease runs out and this delivery takes the push over; without an answer it is not `200`.
        const outcome = await dedup.waitFor(key, started + budgetMs);
        if (outcome.kind === 'unanswered') {
          throw new WebhookError('not_handled', 'an earlier delivery of the push has not answered yet');
        }
        waited = outcome.kind === 'reply';
        record = outcome.kind === 'claimed' ? { state: 'new' } : { state: 'done', reply: outcome.reply };
      }
      let reply: string;
      if (record.state === 'new') {
        const answer = run(appid, message, key, started);
        dedup.finish(key, answer);
        reply = await answer;
      } else {
        reply = record.reply;
        observer?.retried(appid, message, waited ? 'waited' : 'record');
      }
      return reply;
    },

    async drain() {
      while (running > 0) await new Promise<void>((resolve) => idle.push(resolve));
      await dedup.drain();
    },
  };
}
