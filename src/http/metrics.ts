import type { Middleware } from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DispatchOutcome } from '../bot/dispatch.js';
import type { InboundMessage } from '../wire/index.js';
import { WechatApiError, WechatHttpError, type ApiOutcomeListener } from '../wechat-api/index.js';
import { silentLogger, type Logger } from '../logger.js';
import type { WebhookHttpObserver } from './webhook-middleware.js';

/**
 * The Prometheus series of INTERFACE.md §11, in a registry of their own (not prom-client's global one), so
 * two servers in one process keep separate counts. Labelled by account (AppID). The push path only
 * increments children bound in advance: no label object, string or hash per push.
 *
 * Job progress (§11) has no series yet: the server runs no job that reports progress. `wxoa sync` shows its
 * own progress on the terminal.
 */
export interface ServerMetricsOptions {
  /** The accounts served; any other AppID a request names is counted under `unknown`. */
  appids: readonly string[];
  /** Followers waiting for enrichment (read at each scrape). */
  pendingEnrichment(appid: string): Promise<number>;
  /** Node's process series (CPU, memory, event-loop lag, GC); default true. */
  processMetrics?: boolean;
  logger?: Logger;
}

/** Handler outcomes, as `wxoa_pushes_total`'s outcome label says them. */
const OUTCOMES: Record<DispatchOutcome['kind'], number> = { reply: 0, none: 1, timeout: 2, error: 3 };
const OUTCOME_LABELS = ['reply', 'none', 'timeout', 'error'] as const;
const RETRY_LABELS = ['record', 'waited'] as const;
/** Distinct push types kept per account before the rest are counted as `other` (a bound on the series). */
const MAX_TYPES = 64;
/** Seconds; WeChat waits 5 s for an answer. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 4, 5];
const TOKEN_ENDPOINTS: ReadonlySet<string> = new Set(['/cgi-bin/token', '/cgi-bin/stable_token']);
const UNKNOWN = 'unknown';

type PushCounters = { inc(): void }[];

/** The pre-bound children of one account. */
interface AccountSeries {
  appid: string;
  /** msgType → event ('' for a message) → one counter per handler outcome. */
  pushes: Map<string, Map<string, PushCounters>>;
  /** msgType → event → [answered from the record, answered after waiting for the first delivery]. */
  retries: Map<string, Map<string, PushCounters>>;
  types: number;
  handlerSeconds: { observe(value: number): void };
  pushSeconds: { observe(value: number): void };
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly #accounts = new Map<string, AccountSeries>();
  readonly #defaultAppid: string;
  readonly #pushes: Counter<'appid' | 'msg_type' | 'event' | 'outcome'>;
  readonly #retries: Counter<'appid' | 'msg_type' | 'event' | 'answered'>;
  readonly #refused: Counter<'appid' | 'status'>;
  readonly #apiCalls: Counter<'appid' | 'endpoint' | 'errcode'>;
  readonly #tokenRefreshes: Counter<'appid' | 'outcome'>;

  constructor(options: ServerMetricsOptions) {
    const registers = [this.registry];
    const logger = options.logger ?? silentLogger;
    this.#defaultAppid = options.appids[0] ?? UNKNOWN;
    this.#pushes = new Counter({
      name: 'wxoa_pushes_total',
      help: 'Pushes whose handlers ran (once per push, not per retried delivery), by how they were answered: reply, none (success), timeout (the reply budget ran out), error (a handler threw)',
      labelNames: ['appid', 'msg_type', 'event', 'outcome'],
      registers,
    });
    this.#retries = new Counter({
      name: 'wxoa_push_retries_total',
      help: "Retried deliveries answered without running the handlers again: from the dedup record (answered=record) or after waiting for the first delivery's reply (answered=waited)",
      labelNames: ['appid', 'msg_type', 'event', 'answered'],
      registers,
    });
    this.#refused = new Counter({
      name: 'wxoa_webhook_refused_total',
      help: 'Webhook POSTs refused before the handlers (bad signature 401, malformed 400, too large 413, late body 408, busy 503, ...), by HTTP status',
      labelNames: ['appid', 'status'],
      registers,
    });
    const handlerSeconds = new Histogram({
      name: 'wxoa_handler_duration_seconds',
      help: 'Seconds from handing a push to the handlers until its answer was known',
      labelNames: ['appid'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const pushSeconds = new Histogram({
      name: 'wxoa_push_duration_seconds',
      help: 'Seconds from the arrival of a webhook POST until its answer was ready (body, crypto, dedup, handlers)',
      labelNames: ['appid'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#apiCalls = new Counter({
      name: 'wxoa_wechat_api_calls_total',
      help: 'WeChat API calls after their last attempt, by endpoint and errcode (0: success; http, timeout, network: no JSON answer)',
      labelNames: ['appid', 'endpoint', 'errcode'],
      registers,
    });
    this.#tokenRefreshes = new Counter({
      name: 'wxoa_wechat_token_refreshes_total',
      help: 'access_token fetches from WeChat by this process, by outcome (ok, failed)',
      labelNames: ['appid', 'outcome'],
      registers,
    });
    const appids = options.appids;
    new Gauge({
      name: 'wxoa_enrichment_pending',
      help: 'Followers waiting for enrichment (profile and UnionID from user/info)',
      labelNames: ['appid'],
      registers,
      async collect() {
        try {
          const counts = await Promise.all(appids.map((a) => options.pendingEnrichment(a)));
          appids.forEach((appid, i) => this.set({ appid }, counts[i] ?? 0));
        } catch (err) {
          // Without the database the gauge says nothing rather than a stale number.
          this.reset();
          logger.warn({ err }, 'metrics: could not read the enrichment queue');
        }
      },
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    for (const appid of [...appids, UNKNOWN]) {
      this.#accounts.set(appid, {
        appid,
        pushes: new Map(),
        retries: new Map(),
        types: 0,
        handlerSeconds: handlerSeconds.labels({ appid }),
        pushSeconds: pushSeconds.labels({ appid }),
      });
    }
  }

  /** The webhook's observer (pass as the webhook's `observer` option). */
  readonly webhookObserver: WebhookHttpObserver = {
    handled: (appid, message, outcome, ms) => {
      const series = this.#series(appid);
      const children = this.#children(
        series,
        series.pushes,
        message,
        this.#pushes,
        'outcome',
        OUTCOME_LABELS,
      );
      children[OUTCOMES[outcome]]!.inc();
      series.handlerSeconds.observe(ms / 1000);
    },
    retried: (appid, message, answered) => {
      const series = this.#series(appid);
      const children = this.#children(
        series,
        series.retries,
        message,
        this.#retries,
        'answered',
        RETRY_LABELS,
      );
      children[answered === 'record' ? 0 : 1]!.inc();
    },
    answered: (appid, ms) => {
      this.#series(appid ?? this.#defaultAppid).pushSeconds.observe(ms / 1000);
    },
    refused: (appid, status) => {
      // Refusals are rare and their AppID may be anything a client typed: no pre-binding, a bounded label.
      const known = this.#accounts.has(appid ?? this.#defaultAppid) ? (appid ?? this.#defaultAppid) : UNKNOWN;
      this.#refused.inc({ appid: known, status: String(status) });
    },
  };

  /** The WeChat API client's outcome listener for `appid` (pass as its `onOutcome`, beside others). */
  apiListener(appid: string): ApiOutcomeListener {
    return (outcome) => {
      const errcode = outcome.ok ? '0' : errcodeLabel(outcome.error);
      this.#apiCalls.inc({ appid, endpoint: outcome.endpoint, errcode });
      if (TOKEN_ENDPOINTS.has(outcome.endpoint)) {
        this.#tokenRefreshes.inc({ appid, outcome: outcome.ok ? 'ok' : 'failed' });
      }
    };
  }

  /** Answers a GET with the registry in Prometheus text format; mount behind the admin token. */
  middleware(): Middleware {
    return async (ctx) => {
      const text = await this.registry.metrics();
      ctx.set('Content-Type', this.registry.contentType);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = text;
    };
  }

  #series(appid: string): AccountSeries {
    return this.#accounts.get(appid) ?? this.#accounts.get(UNKNOWN)!;
  }

  /** The children of one push type, bound on the type's first push (a few per account in practice). */
  #children(
    series: AccountSeries,
    byType: Map<string, Map<string, PushCounters>>,
    message: InboundMessage,
    counter: Counter<string>,
    lastLabel: string,
    lastValues: readonly string[],
  ): PushCounters {
    const msgType = message.MsgType;
    const event = msgType === 'event' ? message.Event : '';
    let byEvent = byType.get(msgType);
    const found = byEvent?.get(event);
    if (found !== undefined) return found;
    // Types come from signed pushes only, but a bound keeps a misbehaving sender from growing the series.
    const overflow = series.types >= MAX_TYPES;
    const labels = overflow ? { msg_type: 'other', event: 'other' } : { msg_type: msgType, event };
    const children = lastValues.map((value) =>
      counter.labels({ appid: series.appid, ...labels, [lastLabel]: value }),
    );
    if (!overflow) {
      series.types++;
      if (byEvent === undefined) byType.set(msgType, (byEvent = new Map()));
      byEvent.set(event, children);
    }
    return children;
  }
}

/** The errcode label of a failed call: WeChat's code, or how the HTTP exchange failed. */
function errcodeLabel(error: Error): string {
  if (error instanceof WechatApiError) return String(error.errcode);
  if (error instanceof WechatHttpError) return error.kind === 'status' ? 'http' : error.kind;
  return 'error';
}
