import { silentLogger, type Logger } from '../logger.js';
import { MemoryReplyRecordStore } from './memory-reply-store.js';
import { renderEncryptedEnvelope } from '../wire/index.js';
import type { MiddlewareObj } from './composer.js';
import type { Context } from './context.js';
import {
  createDelivery,
  type LateReplySink,
  type PassiveReplyListener,
  type WebhookObserver,
} from './deliver.js';
import { SUCCESS } from './dispatch.js';
import {
  checkPush,
  receiveBody,
  receiveUrlCheck,
  type CheckedPushQuery,
  type Freshness,
  type WebhookQuery,
} from './receive.js';
import { realTimers, type Timers } from './timers.js';
import {
  AccountTable,
  type AccountResolver,
  type ResolvedAccount,
  type WebhookAccount,
} from './webhook-accounts.js';
import type { ReplyRecordStore } from './reply-store.js';

export type { LateReplySink, PassiveReplyListener, PushInfo, WebhookObserver } from './deliver.js';

/** Options of `createWebhookHandler` (and of the Koa middleware built on it). */
export interface WebhookOptions {
  /** The account(s) served; the first one is the default for requests that name no AppID. */
  accounts: WebhookAccount | readonly WebhookAccount[];
  /** Accounts not in `accounts`, looked up per push (a third-party platform's authorizers). */
  resolveAccount?: AccountResolver | undefined;
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
  /** What this handler's `checkPush` returned for the request: its checks are then not made again. */
  checked?: CheckedPush | undefined;
}

/** Proof that a request's query passed `checkPush` (opaque; only the handler that issued it accepts it). */
export interface CheckedPush {
  readonly __checkedPush: true;
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
   * an unsigned or stale push before reading its body. Pass the result to `handlePush` as `checked` so it
   * does not make them again.
   */
  checkPush(request: Omit<WebhookRequest, 'body' | 'checked'>): CheckedPush;
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

/**
 * Builds the webhook for one or more accounts; validates the options eagerly. A push goes through two steps,
 * kept apart the way octokit keeps verify apart from dispatch: receive (receive.ts: verify, decrypt, parse;
 * pure) and deliver (deliver.ts: claim, dispatch within the budget, remember the answer).
 */
export function createWebhookHandler(options: WebhookOptions): WebhookHandler {
  const accounts = new AccountTable(options.accounts, options.resolveAccount);
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
  const delivery = createDelivery({
    middleware: options.bot.middleware(),
    replyStore: options.replyStore ?? new MemoryReplyRecordStore(),
    budgetMs,
    // Remember answers for the whole timestamp window: a replayed push that still passes the timestamp
    // check must hit the record instead of running the handlers again.
    ttlMs: Math.max(60_000, 2 * toleranceS * 1000 + budgetMs),
    lateReplySink: options.lateReplySink,
    onPassiveReply: options.onPassiveReply,
    observer: options.observer,
    logger,
    clock,
    timers,
  });

  /** Stamped into the tokens this handler issues: a token of another handler (or forged) does not have it. */
  const issuer = {};

  return {
    appids: accounts.appids,

    verifyUrl({ query, appid }) {
      return receiveUrlCheck(accounts.get(appid), query, now());
    },

    checkPush({ query, appid }) {
      const account = accounts.get(appid);
      return new IssuedCheck(issuer, account, checkPush(account, query, now()));
    },

    async handlePush({ query, body, appid, checked }) {
      const started = timers.now();
      // A token this handler issued (and for this account) stands for the query's checks; anything else is
      // checked here, so a caller cannot skip verification by passing a token of its own making.
      const account = accounts.get(appid);
      const passed = IssuedCheck.read(checked, issuer, account) ?? checkPush(account, query, now());
      const { message, crypto, query: q } = receiveBody(account, passed, body);

      const reply = await delivery.deliver(account.appid, message, started);

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

    drain: () => delivery.drain(),
  };
}

/**
 * The token `checkPush` returns. A class with private fields instead of a WeakMap from plain tokens: an
 * ephemeron table entry per push is work for every garbage collection. A private field cannot be forged or
 * read from outside (an object without it fails the `#issuer in` test), so the token holds no visible data.
 */
class IssuedCheck implements CheckedPush {
  declare readonly __checkedPush: true;
  readonly #issuer: object;
  readonly #account: ResolvedAccount;
  readonly #checked: CheckedPushQuery;

  constructor(issuer: object, account: ResolvedAccount, checked: CheckedPushQuery) {
    this.#issuer = issuer;
    this.#account = account;
    this.#checked = checked;
  }

  /** What `token` says was checked, when `issuer` issued it for `account`; otherwise undefined. */
  static read(
    token: CheckedPush | undefined,
    issuer: object,
    account: ResolvedAccount,
  ): CheckedPushQuery | undefined {
    return typeof token === 'object' &&
      token !== null &&
      #issuer in token &&
      token.#issuer === issuer &&
      token.#account === account
      ? token.#checked
      : undefined;
  }
}
