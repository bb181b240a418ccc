import type { Logger } from 'pino';
import { WechatApiError, WechatHttpError } from './errors.js';
import type { ApiOutcomeListener } from './api-failure.js';
import { hintFor } from './error-hints.js';
import { networkErrorCode, redact, redactedCause } from './redact.js';

/** One call of the WeChat API, as the client describes it to the transport. */
export interface ApiRequest {
  method: 'GET' | 'POST';
  /** The path, e.g. `/cgi-bin/user/info`: the only part of the URL errors and logs ever show. */
  path: string;
  query?: Readonly<Record<string, string>>;
  /** Sent as JSON. */
  body?: unknown;
  /**
   * False when sending the request twice has an effect (a second customer-service message, an OAuth code
   * consumed by the first attempt): such a request is retried only when it provably never left (connection
   * refused, DNS failure) or WeChat said `-1`, never after a timeout or a 5xx.
   */
  idempotent?: boolean;
  /** Values that must not appear in errors or logs (the access_token, AppSecret, OAuth code or token). */
  secrets?: readonly string[];
  /**
   * Error codes that are an ordinary answer of this endpoint (46003 "no menu" of menu/get): still thrown
   * for the caller to turn into a value, but logged at debug instead of as a warning.
   */
  expectedErrcodes?: readonly number[];
}

/** A successful answer: WeChat's JSON object, `errcode` absent or 0. */
export type WechatResponse = Record<string, unknown>;

/** The transport's settings (the clients pass their options through; unset ones take the defaults). */
export interface TransportOptions {
  apiBase: string;
  /** Default globalThis.fetch. */
  fetch?: typeof fetch | undefined;
  /** Each attempt's limit; default 5000. */
  timeoutMs?: number | undefined;
  /** Attempts after the first; default 3. */
  retries?: number | undefined;
  /** The first back-off, doubled each retry; default 200. */
  backoffMs?: number | undefined;
  logger: Logger;
  /** Told how each request ended, after its last attempt (api-failure.ts records failures with it). */
  onOutcome?: ApiOutcomeListener | undefined;
}

/** Network errors that mean the request never reached the server, so even a non-idempotent call may be repeated. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

type Attempt = { ok: true; json: WechatResponse } | { ok: false; error: Error; retryable: boolean };

/**
 * Sends WeChat API requests: a timeout on every attempt (AbortSignal.timeout), JSON in and out, `errcode`
 * turned into WechatApiError, and a bounded number of retries with exponential back-off and jitter for
 * `-1` ("system error, retry", WECHAT-PROTOCOL.md §6.1/§7), network failures and 5xx.
 */
export class ApiTransport {
  readonly #opts: TransportOptions & {
    fetch: typeof fetch;
    timeoutMs: number;
    retries: number;
    backoffMs: number;
  };

  constructor(opts: TransportOptions) {
    this.#opts = {
      ...opts,
      apiBase: opts.apiBase.replace(/\/+$/, ''),
      fetch: opts.fetch ?? globalThis.fetch,
      timeoutMs: opts.timeoutMs ?? 5000,
      retries: opts.retries ?? 3,
      backoffMs: opts.backoffMs ?? 200,
    };
  }

  /** Sends `req`, retrying as described above; throws WechatApiError or WechatHttpError. */
  async request(req: ApiRequest): Promise<WechatResponse> {
    const { retries, logger } = this.#opts;
    for (let attempt = 0; ; attempt++) {
      const result = await this.#attempt(req);
      if (result.ok) {
        this.#report({ ok: true, endpoint: req.path });
        return result.json;
      }
      if (!result.retryable || attempt >= retries) {
        this.#report({ ok: false, endpoint: req.path, error: result.error });
        throw result.error;
      }
      const delayMs = this.#backoff(attempt);
      logger.warn(
        { endpoint: req.path, attempt: attempt + 1, delayMs, reason: result.error.message },
        'WeChat API call failed; retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }

  #report(outcome: Parameters<ApiOutcomeListener>[0]): void {
    try {
      this.#opts.onOutcome?.(outcome);
    } catch (err) {
      this.#opts.logger.warn({ err }, 'WeChat API outcome listener failed');
    }
  }

  /** base · 2^attempt, half of it jittered, so that many clients failing together do not retry together. */
  #backoff(attempt: number): number {
    const full = this.#opts.backoffMs * 2 ** attempt;
    return Math.round(full / 2 + (Math.random() * full) / 2);
  }

  async #attempt(req: ApiRequest): Promise<Attempt> {
    const { apiBase, fetch, timeoutMs, logger } = this.#opts;
    const endpoint = req.path;
    const secrets = req.secrets ?? [];
    const idempotent = req.idempotent ?? true;
    const query = req.query === undefined ? '' : `?${new URLSearchParams(req.query).toString()}`;
    const init: RequestInit = { method: req.method, signal: AbortSignal.timeout(timeoutMs) };
    if (req.body !== undefined) {
      init.body = JSON.stringify(req.body);
      init.headers = { 'content-type': 'application/json; charset=utf-8' };
    }
    const started = Date.now();

    let status: number;
    let text: string;
    try {
      const res = await fetch(`${apiBase}${endpoint}${query}`, init);
      status = res.status;
      text = await res.text();
    } catch (err) {
      const cause = redactedCause(err, secrets);
      if (err instanceof Error && err.name === 'TimeoutError') {
        const error = new WechatHttpError(
          { endpoint, kind: 'timeout', detail: `timed out after ${timeoutMs} ms` },
          { cause },
        );
        return { ok: false, error, retryable: idempotent };
      }
      const code = networkErrorCode(err);
      const error = new WechatHttpError(
        { endpoint, kind: 'network', detail: `unreachable: ${code ?? cause.message}` },
        { cause },
      );
      return { ok: false, error, retryable: idempotent || (code !== undefined && NOT_SENT_CODES.has(code)) };
    }

    logger.debug({ endpoint, status, ms: Date.now() - started }, 'WeChat API call');
    if (status < 200 || status > 299) {
      const error = new WechatHttpError({
        endpoint,
        kind: 'status',
        status,
        detail: `answered HTTP ${status}`,
      });
      return { ok: false, error, retryable: status >= 500 && idempotent };
    }

    const json = parseObject(text);
    if (json === undefined) {
      const error = new WechatHttpError({
        endpoint,
        kind: 'status',
        status,
        detail: 'answered with a body that is not JSON',
      });
      return { ok: false, error, retryable: false };
    }
    const errcode = json['errcode'];
    if (errcode === undefined || errcode === 0) return { ok: true, json };

    const code = typeof errcode === 'number' ? errcode : Number(errcode);
    const errmsg = redact(typeof json['errmsg'] === 'string' ? json['errmsg'] : '', secrets);
    if (req.expectedErrcodes?.includes(code))
      logger.debug({ endpoint, errcode: code, errmsg }, 'WeChat API answer');
    else logger.warn({ endpoint, errcode: code, errmsg }, 'WeChat API error');
    const error = new WechatApiError({ errcode: code, errmsg, endpoint, hint: hintFor(code, endpoint) });
    // -1 is WeChat's "system busy, try again" (§7); every other code is an answer.
    return { ok: false, error, retryable: code === -1 };
  }
}

function parseObject(text: string): WechatResponse | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as WechatResponse)
      : undefined;
  } catch {
    return undefined;
  }
}
