import type { Middleware } from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { DispatchOutcome } from '../bot/dispatch.js';
import type { InboundMessage } from '../wire/index.js';
import { WechatApiError, WechatHttpError, type ApiOutcomeListener } from '../wechat-api/index.js';
import { silentLogger, type Logger } from '../logger.js';
import { PushHistogram, type HistogramChild } from './push-histogram.js';
import type { WebhookHttpObserver } from './webhook-middleware.js';

/**
 * The Prometheus series of INTERFACE.md §11, in a registry of their own (not prom-client's global one), so
 * two servers in one process keep separate counts. Labelled by account (AppID).
 *
 * The push path stays cheap (issue 11: /metrics costs at most 3 % of throughput): prom-client hashes the
 * label set on every `inc`/`observe`, even through a bound child, so a push only bumps plain numbers kept
 * per label set (made on a type's first push), and the prom-client counters are filled from them when
 * Prometheus scrapes. Everything off the push path (API calls, refusals) uses prom-client directly.
 *
 * Job progress (§11) has no series yet: the server runs no job that reports progress (`wxoa sync` shows
 * its own on the terminal).
 */
export interface ServerMetricsOptions {
  /** The accounts served; any other AppID a request names is counted under `unknown`. */
  appids: readonly string[];
  /** Followers waiting for enrichment (read at each scrape). */
  pendingEnrichment(appid: string): Promise<number>;
  /** Tagging and blacklist jobs still queued or running (read at each scrape); none when absent. */
  openJobs?(): Promise<readonly OpenJobProgress[]>;
  /** Node's process series (CPU, memory, event-loop lag, GC), shared by the servers of a process; default true. */
  processMetrics?: boolean;
  logger?: Logger;
}

/** What /metrics tells of an open job (FollowerJob has these fields). */
export interface OpenJobProgress {
  id: number;
  appid: string;
  kind: string;
  total: number;
  done: number;
  failed: number;
}

/** A count bumped on the push path, with the labels it is exported under. */
interface Tally {
  readonly labels: Record<string, string>;
  n: number;
}

/** Handler outcomes, as `wxoa_pushes_total`'s outcome label says them, in Tally order. */
// An 'unhandled' push is not counted here: it is refused 503 (wxoa_webhook_refused_total) and delivered again.
const OUTCOMES: Record<Exclude<DispatchOutcome['kind'], 'unhandled'>, number> = {
  reply: 0,
  none: 1,
  timeout: 2,
  error: 3,
};
const OUTCOME_LABELS = ['reply', 'none', 'timeout', 'error'] as const;
const RETRY_LABELS = ['record', 'waited'] as const;
/** Distinct push types kept per account before the rest are counted as `other` (a bound on the series). */
const MAX_TYPES = 64;
/** Seconds; WeChat waits 5 s for an answer. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 4, 5];
const TOKEN_ENDPOINTS: ReadonlySet<string> = new Set(['/cgi-bin/token', '/cgi-bin/stable_token']);
const UNKNOWN = 'unknown';

/** msgType → event ('' for a message) → the tallies of one push type. */
type ByType = Map<string, Map<string, Tally[]>>;

/** The series of one account. */
interface AccountSeries {
  readonly appid: string;
  /** One tally per handler outcome. */
  readonly pushes: ByType;
  /** [answered from the dedup record, answered after waiting for the first delivery]. */
  readonly retries: ByType;
  types: number;
  readonly handlerSeconds: HistogramChild;
  readonly pushSeconds: HistogramChild;
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly #accounts = new Map<string, AccountSeries>();
  readonly #appids: string[] = [];
  readonly #defaultAppid: string;
  /** Every tally of the push path, per exported counter. */
  readonly #pushTallies: Tally[] = [];
  readonly #retryTallies: Tally[] = [];
  readonly #refused: Counter<'appid' | 'status'>;
  readonly #apiCalls: Counter<'appid' | 'endpoint' | 'errcode'>;
  readonly #tokenRefreshes: Counter<'appid' | 'outcome'>;
  readonly #withProcess: boolean;

  constructor(options: ServerMetricsOptions) {
    const registers = [this.registry];
    const logger = options.logger ?? silentLogger;
    this.#defaultAppid = options.appids[0] ?? UNKNOWN;
    tallyCounter(
      {
        name: 'wxoa_pushes_total',
        help: 'Pushes whose handlers ran (once per push, not per retried delivery), by how they were answered: reply, none (success), timeout (the reply budget ran out), error (a handler threw)',
        labelNames: ['appid', 'msg_type', 'event', 'outcome'],
        registers,
      },
      this.#pushTallies,
    );
    tallyCounter(
      {
        name: 'wxoa_push_retries_total',
        help: "Retried deliveries answered without running the handlers again: from the dedup record (answered=record) or after waiting for the first delivery's reply (answered=waited)",
        labelNames: ['appid', 'msg_type', 'event', 'answered'],
        registers,
      },
      this.#retryTallies,
    );
    this.#refused = new Counter({
      name: 'wxoa_webhook_refused_total',
      help: 'Webhook POSTs not answered 200, by HTTP status: refused before the handlers (401 signature or timestamp, 400 malformed, 404 unknown account, 408 late body, 413 too large, 503 busy) or failed (500)',
      labelNames: ['appid', 'status'],
      registers,
    });
    const handlerSeconds = new PushHistogram({
      name: 'wxoa_handler_duration_seconds',
      help: 'Seconds from handing a push to the handlers until its answer was known',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const pushSeconds = new PushHistogram({
      name: 'wxoa_push_duration_seconds',
      help: 'Seconds from the arrival of a webhook POST until its answer was ready (body, crypto, dedup, handlers), answered 200',
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
    // Copied: accounts added while running join it (addAccount).
    const appids = this.#appids;
    appids.push(...options.appids);
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
    const openJobs = options.openJobs;
    new Gauge({
      name: 'wxoa_job_followers',
      help: 'Followers of each open tagging or blacklist job: total, done (accepted by WeChat), failed',
      labelNames: ['appid', 'job', 'kind', 'count'],
      registers,
      async collect() {
        // Open jobs only: a finished job's series ends with it (its result stays in GET /api/jobs/:id).
        this.reset();
        if (!openJobs) return;
        try {
          for (const job of await openJobs()) {
            const labels = { appid: job.appid, job: String(job.id), kind: job.kind };
            this.set({ ...labels, count: 'total' }, job.total);
            this.set({ ...labels, count: 'done' }, job.done);
            this.set({ ...labels, count: 'failed' }, job.failed);
          }
        } catch (err) {
          logger.warn({ err }, 'metrics: could not read the open jobs');
        }
      },
    });
    this.#withProcess = options.processMetrics ?? true;

    this.#newSeries = (appid) => ({
      appid,
      pushes: new Map(),
      retries: new Map(),
      types: 0,
      handlerSeconds: handlerSeconds.child({ appid }),
      pushSeconds: pushSeconds.child({ appid }),
    });
    for (const appid of [...appids, UNKNOWN]) this.#accounts.set(appid, this.#newSeries(appid));
  }

  readonly #newSeries: (appid: string) => AccountSeries;

  /**
   * Counts `appid` under its own label from now on: an account learnt while running (an Official Account that
   * authorized the third-party platform). Until then its pushes count under `unknown`.
   */
  addAccount(appid: string): void {
    if (this.#accounts.has(appid)) return;
    this.#accounts.set(appid, this.#newSeries(appid));
    this.#appids.push(appid);
  }

  /** The webhook's observer (pass as the webhook's `observer` option). */
  readonly webhookObserver: WebhookHttpObserver = {
    handled: (appid, message, outcome, ms) => {
      const series = this.#series(appid);
      const tallies = this.#tallies(series, series.pushes, message, 'outcome', OUTCOME_LABELS);
      tallies[OUTCOMES[outcome]]!.n++;
      series.handlerSeconds.observe(ms / 1000);
    },
    retried: (appid, message, answered) => {
      const series = this.#series(appid);
      const tallies = this.#tallies(series, series.retries, message, 'answered', RETRY_LABELS);
      tallies[answered === 'record' ? 0 : 1]!.n++;
    },
    answered: (appid, ms) => {
      this.#series(appid ?? this.#defaultAppid).pushSeconds.observe(ms / 1000);
    },
    refused: (appid, status) => {
      // Rare, and the AppID may be anything a client typed: prom-client directly, under a bounded label.
      const named = appid ?? this.#defaultAppid;
      this.#refused.inc({ appid: this.#accounts.has(named) ? named : UNKNOWN, status: String(status) });
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

  /** This server's series and the process's, in Prometheus text format. */
  async text(): Promise<string> {
    if (!this.#withProcess) return this.registry.metrics();
    return Registry.merge([this.registry, processRegistry()]).metrics();
  }

  /** Answers a GET with {@link text}; mount behind the admin token. */
  middleware(): Middleware {
    return async (ctx) => {
      const text = await this.text();
      ctx.set('Content-Type', this.registry.contentType);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = text;
    };
  }

  #series(appid: string): AccountSeries {
    return this.#accounts.get(appid) ?? this.#accounts.get(UNKNOWN)!;
  }

  /** The tallies of one push type, made on the type's first push (a few per account in practice). */
  #tallies(
    series: AccountSeries,
    byType: ByType,
    message: InboundMessage,
    lastLabel: string,
    lastValues: readonly string[],
  ): Tally[] {
    const msgType = message.MsgType;
    const event = msgType === 'event' ? message.Event : '';
    let byEvent = byType.get(msgType);
    const found = byEvent?.get(event);
    if (found !== undefined) return found;
    // Types come from signed pushes only, but a bound keeps a misbehaving sender from growing the series.
    const overflow = series.types >= MAX_TYPES;
    const type = overflow ? { msg_type: 'other', event: 'other' } : { msg_type: msgType, event };
    const all = byType === series.pushes ? this.#pushTallies : this.#retryTallies;
    if (overflow) {
      const other = all.filter((t) => t.labels['appid'] === series.appid && t.labels['msg_type'] === 'other');
      if (other.length > 0) return other;
    }
    const tallies = lastValues.map((value) => ({
      labels: { appid: series.appid, ...type, [lastLabel]: value },
      n: 0,
    }));
    all.push(...tallies);
    if (!overflow) {
      series.types++;
      if (byEvent === undefined) byType.set(msgType, (byEvent = new Map()));
      byEvent.set(event, tallies);
    }
    return tallies;
  }
}

let processSeries: Registry | undefined;

/**
 * Node's process series, collected once per process: they describe the process, not a server, and each
 * collectDefaultMetrics call adds a GC observer and an event-loop monitor that nothing ever removes.
 */
function processRegistry(): Registry {
  if (processSeries === undefined) {
    processSeries = new Registry();
    collectDefaultMetrics({ register: processSeries });
  }
  return processSeries;
}

/** A prom-client counter that reports `tallies` (plain numbers bumped elsewhere) at each scrape. */
function tallyCounter(
  config: { name: string; help: string; labelNames: string[]; registers: Registry[] },
  tallies: readonly Tally[],
): Counter {
  return new Counter({
    ...config,
    collect() {
      this.reset();
      for (const tally of tallies) this.inc(tally.labels, tally.n);
    },
  });
}

/** The errcode label of a failed call: WeChat's code, or how the HTTP exchange failed. */
function errcodeLabel(error: Error): string {
  if (error instanceof WechatApiError) return String(error.errcode);
  if (error instanceof WechatHttpError) return error.kind === 'status' ? 'http' : error.kind;
  return 'error';
}
