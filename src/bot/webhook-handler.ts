import { silentLogger, type Logger } from '../logger.js';
import { MemoryReplyRecordStore } from './memory-reply-store.js';
import { dedupKey, renderEncryptedEnvelope, type InboundMessage, type Reply } from '../wire/index.js';
import type { MiddlewareObj } from './composer.js';
import { pushIdentity, type Context } from './context.js';
import { DeliveryDedup } from './delivery-dedup.js';
import { dispatch, SUCCESS, type DispatchOutcome } from './dispatch.js';
import { checkPush, receivePush, receiveUrlCheck, type Freshness, type WebhookQuery } from './receive.js';
import { realTimers, type Timers } from './timers.js';
import { AccountTable, type ResolvedAccount, type WebhookAccount } from './webhook-accounts.js';
import type { ReplyRecordStore } from './reply-store.js';
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

/** Options of `createWebhookHandler` (and of the Koa middleware built on it). */
export interface WebhookOptions {
  /** The account(s) served; the first one is the default for requests that name no AppID. */
  accounts: WebhookAccount | readonly WebhookAccount[];
  /** The handlers: a `Composer` / `Bot`. */
  bot: MiddlewareObj<Context>;
  /** Where answered pushes are remembered for retries; default: in memory (one instance only). */
  replyStore?: ReplyRecordStore | undefined;
  /** Milliseconds handlers get before the push is answered `success` without them; default 4000. */
  replyBudgetMs?: number | undefined;
  /** Seconds a push's `timestamp` may differ from now; 0 turns the check off; default 300. */
  timestampToleranceSeconds?: number | undefined;
  /** Receives replies made after the budget ran out; without it they are logged and dropped. */
  lateReplySink?: LateReplySink | undefined;
  /** Called after a handler's reply went out as the passive reply; errors are logged, never sent. */
  onPassiveReply?: PassiveReplyListener | undefined;
  logger?: Logger | undefined;
  /** Told of each push handled and each retried delivery answered (metrics); optional. */
  observer?: WebhookObserver | undefined;
  /** Unix milliseconds; default `Date.now`. */
  clock?: (() => number) | undefined;
  /** The budget's timer and a waiting retry's polls; default the real ones. Tests advance them by hand. */
  timers?: Timers | undefined;
}

export type { WebhookQuery } from './receive.js';

/** A request to the webhook, framework-free. */
export interface WebhookRequest {
  query: WebhookQuery;
  /** The raw body (POST). */
  body: string;
  /** The account to serve (e.g. from `/wechat/:appid`); the default account when absent. */
  appid?: string | undefined;
}

/** The response to a push: an XML reply or `success`. */
export interface WebhookAnswer {
  contentType: string;
  body: string;
}

/** The webhook, framework-free: rejections are thrown as `WireError` / `WebhookError` for http/ to map. */
export interface WebhookHandler {
  /** GET URL verification (WECHAT-PROTOCOL.md §1.2): returns the `echostr` to send back verbatim. */
  verifyUrl(request: Omit<WebhookRequest, 'body'>): string;
  /**
   * The checks of a push that need no body (timestamp, nonce, the 3-part signature): lets a server refuse
   * an unsigned or stale push before reading its body. `handlePush` makes them again.
   */
  checkPush(request: Omit<WebhookRequest, 'body'>): void;
  /** POST: verifies, decrypts and parses a push, runs the handlers once per push, returns the answer. */
  handlePush(request: WebhookRequest): Promise<WebhookAnswer>;
  /** The AppIDs served, the default first. */
  readonly appids: readonly string[];
  /** Resolves when running handlers, late replies and reply-store writes have finished (for shutdown). */
  drain(): Promise<void>;
}

/** The reply budget: below WeChat's 5 s so the answer arrives before WeChat gives up (§4.1). */
export const DEFAULT_REPLY_BUDGET_MS = 4000;
/** WECHAT_TIMESTAMP_TOLERANCE's default (INTERFACE.md §2). */
export const DEFAULT_TIMESTAMP_TOLERANCE_SECONDS = 300;

const XML_TYPE = 'text/xml; charset=utf-8';
const SUCCESS_ANSWER: WebhookAnswer = Object.freeze({
  contentType: 'text/plain; charset=utf-8',
  body: SUCCESS,
});

/** Builds the webhook for one or more accounts; validates the options eagerly. */
export function createWebhookHandler(options: WebhookOptions): WebhookHandler {
  const accounts = new AccountTable(options.accounts);
  const budgetMs = options.replyBudgetMs ?? DEFAULT_REPLY_BUDGET_MS;
  if (!(Number.isFinite(budgetMs) && budgetMs > 0 && budgetMs < 5000)) {
    throw new TypeError(`replyBudgetMs must be between 0 and 5000 (WeChat waits 5 s), got ${budgetMs}`);
  }
  const toleranceS = options.timestampToleranceSeconds ?? DEFAULT_TIMESTAMP_TOLERANCE_SECONDS;
  if (!(Number.isFinite(toleranceS) && toleranceS >= 0)) {
    throw new TypeError(`timestampToleranceSeconds must be 0 (off) or a positive number, got ${toleranceS}`);
  }
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? Date.now;
  const now = (): Freshness => ({ nowSeconds: Math.floor(clock() / 1000), toleranceSeconds: toleranceS });
  const timers = options.timers ?? realTimers;
  const sink = options.lateReplySink;
  const onPassiveReply = options.onPassiveReply;
  const observer = options.observer;
  const middleware = options.bot.middleware();
  const dedup = new DeliveryDedup(options.replyStore ?? new MemoryReplyRecordStore(), {
    // A claim outlives the budget a little, so only a crashed delivery's claim is ever taken over.
    leaseMs: budgetMs + 1000,
    // Remember answers for the whole timestamp window: a replayed push that still passes the timestamp
    // check must hit the record instead of running the handlers again.
    ttlMs: Math.max(60_000, 2 * toleranceS * 1000 + budgetMs),
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
  async function run(
    account: ResolvedAccount,
    message: InboundMessage,
    key: string,
    started: number,
  ): Promise<string> {
    const push: PushInfo = { appid: account.appid, openid: message.FromUserName, dedupKey: key, message };
    const dispatched = observer === undefined ? 0 : performance.now();
    const { outcome, done } = dispatch(middleware, message, {
      appid: account.appid,
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
    observer?.handled(account.appid, message, result.kind, performance.now() - dispatched);
    if (result.kind !== 'reply') return SUCCESS;
    if (onPassiveReply !== undefined) background('onPassiveReply', push, result.reply, onPassiveReply);
    return result.xml;
  }

  return {
    appids: accounts.appids,

    verifyUrl({ query, appid }) {
      return receiveUrlCheck(accounts.get(appid), query, now());
    },

    checkPush({ query, appid }) {
      checkPush(accounts.get(appid), query, now());
    },

    async handlePush({ query, body, appid }) {
      const started = timers.now();
      const account = accounts.get(appid);
      const { message, crypto, query: q } = receivePush(account, query, body, now());

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
        const answer = run(account, message, key, started);
        dedup.finish(key, answer);
        reply = await answer;
      } else {
        reply = record.reply;
        observer?.retried(account.appid, message, waited ? 'waited' : 'record');
      }

      if (reply === SUCCESS) return SUCCESS_ANSWER;
      if (crypto === undefined) return { contentType: XML_TYPE, body: reply };
      // The stored reply is plaintext; each delivery gets its own envelope (fresh IV prefix and TimeStamp).
      return {
        contentType: XML_TYPE,
        body: renderEncryptedEnvelope(
          crypto,
          account.token,
          reply,
          Math.floor(clock() / 1000),
          q.nonce ?? '',
        ),
      };
    },

    async drain() {
      while (running > 0) await new Promise<void>((resolve) => idle.push(resolve));
      await dedup.drain();
    },
  };
}
