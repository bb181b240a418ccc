import { silentLogger, type Logger } from '../logger.js';
import { WechatApiError, WechatHttpError } from './errors.js';

/**
 * The last failure of the WeChat API for an account, kept where every instance sees it (the database), so
 * the console and /healthz can say that a wrong AppSecret or a missing whitelist entry is breaking things
 * instead of "waiting for WeChat…" forever (issue 10). Never holds a secret: the transport has already
 * redacted every message.
 */
export interface ApiFailure {
  appid: string;
  /** Unix ms. */
  at: number;
  /** The API path, e.g. `/cgi-bin/stable_token`. */
  endpoint: string;
  /** WeChat's errcode; null for a network failure, a timeout or a non-JSON answer. */
  errcode: number | null;
  /** What happened, as the error said it (redacted). */
  message: string;
  /** What to do about it, for well-known codes. */
  hint: string | null;
}

/** Where the last failure is kept (store/ implements it on the database). */
export interface ApiFailureStore {
  /** Records `failure` as the account's last. */
  recordFailure(failure: ApiFailure): Promise<void>;
  /** Clears the account's failure, if any, as of `at` (a later success). Returns whether one was cleared. */
  clearFailure(appid: string, at: number): Promise<boolean>;
  /** The account's uncleared last failure, or null. */
  lastFailure(appid: string): Promise<ApiFailure | null>;
}

/** What the transport reports after each request's last attempt. */
export type ApiOutcome = { ok: true; endpoint: string } | { ok: false; endpoint: string; error: Error };

/** Called synchronously by the transport; must not throw (it is a report, not part of the call). */
export type ApiOutcomeListener = (outcome: ApiOutcome) => void;

/**
 * Codes that answer one request rather than reveal a broken setup: a follower outside the service window,
 * an OpenID of another account, an OAuth code used twice, no menu yet. Recording them would cry wolf.
 */
const REQUEST_LEVEL_CODES: ReadonlySet<number> = new Set([
  40003, 40029, 40163, 42003, 43004, 45015, 45047, 45080, 45081, 46003, 40226,
]);

/** Options of {@link apiFailureRecorder}. */
export interface ApiFailureRecorderOptions {
  appid: string;
  store: ApiFailureStore;
  /** Unix ms; default Date.now. */
  clock?: () => number;
  /**
   * How long a success trusts what it last read of the stored failure before reading it again (another
   * instance may have recorded one); default 30 s. A success writes only when a failure is stored.
   */
  recheckMs?: number;
  logger?: Logger;
}

/**
 * The listener that records an account's API failures in `store` and clears them on a later success. It
 * writes only on a change: one read every `recheckMs` at most while calls succeed.
 */
export function apiFailureRecorder(options: ApiFailureRecorderOptions): ApiOutcomeListener {
  const { appid, store } = options;
  const clock = options.clock ?? Date.now;
  const recheckMs = options.recheckMs ?? 30_000;
  const logger = options.logger ?? silentLogger;
  // What this process believes is stored: a failure, none, or unknown (null) until read.
  let storedFailure: boolean | null = null;
  let checkedAt = -Infinity;
  let checkQueued = false;
  let pending: Promise<void> = Promise.resolve();
  // One write after another, so a failure and the success that follows land in that order.
  const enqueue = (work: () => Promise<void>) => {
    pending = pending.then(work).catch((err: unknown) => {
      storedFailure = null;
      logger.warn({ err }, 'could not record the WeChat API status');
    });
  };
  return (outcome) => {
    const now = clock();
    if (!outcome.ok) {
      const failure = describeFailure(appid, outcome.endpoint, outcome.error, now);
      if (!failure) return;
      storedFailure = true;
      checkedAt = now;
      enqueue(() => store.recordFailure(failure));
      return;
    }
    if (checkQueued || (storedFailure === false && now - checkedAt < recheckMs)) return;
    checkedAt = now;
    checkQueued = true;
    enqueue(async () => {
      checkQueued = false;
      if (storedFailure !== true) storedFailure = (await store.lastFailure(appid)) !== null;
      if (storedFailure) await store.clearFailure(appid, now);
      storedFailure = false;
    });
  };
}

/** The failure to record for `error`, or null when it is an answer to the request alone. */
export function describeFailure(
  appid: string,
  endpoint: string,
  error: Error,
  at: number,
): ApiFailure | null {
  if (error instanceof WechatApiError) {
    if (REQUEST_LEVEL_CODES.has(error.errcode)) return null;
    return { appid, at, endpoint, errcode: error.errcode, message: error.message, hint: error.hint ?? null };
  }
  if (error instanceof WechatHttpError) {
    return { appid, at, endpoint, errcode: null, message: error.message, hint: null };
  }
  return null;
}
