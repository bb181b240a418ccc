import cliProgress from 'cli-progress';
import type { SyncProgress } from './sync.js';

/** Shows a sync's progress on a terminal; see {@link createSyncProgress}. */
export interface SyncProgressReporter {
  /** Pass as `onProgress` of syncFollowers. */
  update(progress: SyncProgress): void;
  /** Ends the display (call after the sync, whether it finished or failed). */
  stop(): void;
}

/** Options of {@link createSyncProgress}. */
export interface SyncProgressOptions {
  /** Default process.stderr, so stdout stays clean for scripts. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Default: whether the stream is a terminal. */
  tty?: boolean;
  /** Plain mode: at least this long between lines while listing (a line per page regardless). Default 2 s. */
  lineIntervalMs?: number;
  /** For tests. */
  now?: () => number;
}

/**
 * The progress display of `wxoa sync`: a cli-progress bar on a terminal; on anything else (a log file, CI)
 * plain lines, a few per minute at most, since a redrawn bar there is just noise.
 */
export function createSyncProgress(options: SyncProgressOptions = {}): SyncProgressReporter {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? Boolean(stream.isTTY);
  return tty
    ? barReporter(stream)
    : lineReporter(stream, options.lineIntervalMs ?? 2000, options.now ?? Date.now);
}

function barReporter(stream: NodeJS.WritableStream): SyncProgressReporter {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        '{appid} [{bar}] {percentage}% | listed {listed}/{total} | enriched {enriched}{failed} | eta {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      // The bar tracks enrichment: it is the slow part (a call per 100 followers against one per 10 000).
      const total = Math.max(p.total, p.listed, 1);
      const payload = {
        appid: p.appid,
        listed: p.listed,
        total: p.total,
        enriched: p.enriched,
        failed: p.enrichFailed ? ` (${p.enrichFailed} left for retry)` : '',
      };
      if (!started) {
        bar.start(total, p.enriched, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(p.enriched, payload);
      }
      if (p.phase === 'done') {
        bar.update(total, payload);
        bar.stop();
        started = false;
        stream.write(summary(p) + '\n');
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

function lineReporter(
  stream: NodeJS.WritableStream,
  intervalMs: number,
  now: () => number,
): SyncProgressReporter {
  let lastLine = -Infinity;
  let lastListed = -1;
  return {
    update(p) {
      if (p.phase === 'done') {
        stream.write(summary(p) + '\n');
        return;
      }
      // A line whenever a page has been listed, and otherwise not more often than the interval.
      const pageDone = p.listed !== lastListed;
      if (!pageDone && now() - lastLine < intervalMs) return;
      lastLine = now();
      lastListed = p.listed;
      const failed = p.enrichFailed ? `, ${p.enrichFailed} left for retry` : '';
      stream.write(
        `${p.appid}: listed ${p.listed}/${p.total}, enriched ${p.enriched}${failed}${p.resumed ? ' (resumed)' : ''}\n`,
      );
    },
    stop() {},
  };
}

function summary(p: SyncProgress): string {
  const failed = p.enrichFailed ? `, ${p.enrichFailed} left queued for enrichment` : '';
  return (
    `${p.appid}: sync done${p.resumed ? ' (resumed)' : ''}: ${p.listed} listed, ${p.newlyFound} newly found, ` +
    `${p.enriched} enriched` +
    `${failed}, ${p.unsubscribed} marked unsubscribed`
  );
}
