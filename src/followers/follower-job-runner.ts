import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { silentLogger, type Logger } from '../logger.js';
import { WechatApiError, WechatHttpError, type WechatApi } from '../wechat-api/index.js';
import type { BatchOutcome, FollowerJob, FollowerJobFailure, FollowerJobRepo } from './follower-job.js';
import { BLACKLIST_BATCH, BUSY_CODES, PER_FOLLOWER_CODES, plainMessage, TAGGING_BATCH } from './tag-rules.js';

/** Options of {@link FollowerJobRunner}. */
export interface FollowerJobRunnerOptions {
  jobs: FollowerJobRepo;
  apiFor: (appid: string) => WechatApi | undefined;
  /** This instance's name in a job's lease; default host:pid:random. */
  holder?: string;
  /** How long a lease lasts without a batch settled; default 60 s. */
  leaseMs?: number;
  /** How often open jobs are looked for (a new job is started at once anyway); default 2 s. */
  pollMs?: number;
  /** How long a job waits after WeChat was busy; default 30 s (60 s for the minute quota, 45011). */
  busyDelayMs?: number;
  clock?: () => number;
  logger?: Logger;
  /** Whether a lease holder is known dead (default: a process of this host that no longer exists). */
  holderDead?: (holder: string) => boolean;
}

/** The instance name of this process: host, pid and a random part (two servers in one process differ). */
export function defaultHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** A holder of this host whose process is gone: its lease need not be waited out after a kill -9. */
export function holderProcessGone(holder: string): boolean {
  const [host, pidText] = holder.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Runs tagging and blacklist jobs: batches of 50 (tags) or 20 (blacklist) in OpenID order, each settled in
 * the database before the next is sent, so a restart resumes after the last settled batch and sends none of
 * them again. A batch WeChat refuses because of one follower (40003, 45059) is split in halves until the
 * followers at fault are found: they are listed as failed, the rest go through. WeChat being busy (-1 after
 * the client's retries, quotas, no answer) makes the job wait and retry the same batch; any other refusal
 * fails the job with WeChat's reason. A job runs on one instance at a time: the one holding its lease.
 */
export class FollowerJobRunner {
  readonly holder: string;
  private readonly jobs: FollowerJobRepo;
  private readonly apiFor: (appid: string) => WechatApi | undefined;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly busyDelayMs: number;
  private readonly clock: () => number;
  private readonly logger: Logger;
  private readonly holderDead: (holder: string) => boolean;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  /** Set by stop(): the batch in flight is settled, no other is sent. */
  private halted = false;

  constructor(options: FollowerJobRunnerOptions) {
    this.jobs = options.jobs;
    this.apiFor = options.apiFor;
    this.holder = options.holder ?? defaultHolder();
    this.leaseMs = options.leaseMs ?? 60_000;
    this.pollMs = options.pollMs ?? 2_000;
    this.busyDelayMs = options.busyDelayMs ?? 30_000;
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.holderDead = options.holderDead ?? holderProcessGone;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.halted = false;
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Looks for work now (a job was just created). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runOnce()
      .catch((err: unknown) => this.logger.error({ err }, 'follower job runner failed'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Stops after the batch in flight is settled; the job resumes on the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.halted = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Runs every job (or only job `only`) that is due and not held by a live instance, one after another. */
  async runOnce(only?: number): Promise<void> {
    for (const seen of await this.jobs.open()) {
      if (this.halted) return;
      if (only !== undefined && seen.id !== only) continue;
      const now = this.clock();
      if (seen.retryAt > now) continue;
      // A live lease, this instance's own included: the loop holding it runs the job (never two loops).
      const held = seen.state === 'running' && seen.leaseUntil > now;
      if (held && !(seen.holder !== null && this.holderDead(seen.holder))) continue;
      const job = await this.jobs.take(seen, this.holder, this.leaseMs);
      if (job) await this.run(job);
    }
  }

  private async run(job: FollowerJob): Promise<void> {
    const api = this.apiFor(job.appid);
    if (!api) {
      await this.jobs.finish(job.id, this.holder, 'failed', `no configured account ${job.appid}`);
      return;
    }
    const size = job.kind === 'tag' || job.kind === 'untag' ? TAGGING_BATCH : BLACKLIST_BATCH;
    let current = job;
    for (;;) {
      if (this.halted) return;
      const batch = await this.jobs.nextBatch(current, size);
      if (batch.length === 0) {
        await this.jobs.finish(current.id, this.holder, 'done');
        this.logger.info({ job: current.id, kind: current.kind }, 'follower job done');
        return;
      }
      let outcome: BatchOutcome;
      try {
        outcome = await this.send(api, current, batch);
      } catch (err) {
        if (isBusy(err)) {
          const delay = err instanceof WechatApiError && err.errcode === 45011 ? 60_000 : this.busyDelayMs;
          this.logger.warn({ job: current.id, err }, 'WeChat busy: the job waits and retries the batch');
          await this.jobs.defer(current.id, this.holder, this.clock() + delay, (err as Error).message);
          return;
        }
        const reason =
          err instanceof WechatApiError ? plainMessage(err.errcode, err.errmsg) : (err as Error).message;
        this.logger.warn({ job: current.id, err }, 'follower job failed');
        await this.jobs.finish(current.id, this.holder, 'failed', reason);
        return;
      }
      if (!(await this.jobs.settle(current, this.holder, outcome, this.leaseMs))) {
        this.logger.warn({ job: current.id }, 'follower job lease lost: another instance took it over');
        return;
      }
      current = { ...current, cursor: outcome.last };
    }
  }

  /** One batch, split where WeChat blames a follower; throws what is not about one follower. */
  private async send(api: WechatApi, job: FollowerJob, batch: string[]): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { last: batch[batch.length - 1]!, accepted: [], failures: [], calls: 0 };
    const call = (openids: string[]): Promise<void> => {
      outcome.calls++;
      switch (job.kind) {
        case 'tag':
        case 'untag':
          return api.batchTagging(job.tagId ?? 0, openids, job.kind === 'untag');
        case 'blacklist':
        case 'unblacklist':
          return api.batchBlacklist(openids, job.kind === 'unblacklist');
      }
    };
    const attempt = async (openids: string[]): Promise<void> => {
      try {
        await call(openids);
        outcome.accepted.push(...openids);
      } catch (err) {
        if (!(err instanceof WechatApiError) || !PER_FOLLOWER_CODES.has(err.errcode)) throw err;
        if (openids.length === 1) {
          const failure: FollowerJobFailure = {
            openid: openids[0]!,
            error: plainMessage(err.errcode, err.errmsg),
          };
          outcome.failures.push(failure);
          return;
        }
        const half = Math.ceil(openids.length / 2);
        await attempt(openids.slice(0, half));
        await attempt(openids.slice(half));
      }
    };
    await attempt(batch);
    return outcome;
  }
}

function isBusy(err: unknown): boolean {
  return err instanceof WechatHttpError || (err instanceof WechatApiError && BUSY_CODES.has(err.errcode));
}
