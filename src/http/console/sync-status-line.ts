import type { SyncRun } from '../../followers/sync-run-repo.js';
import { formatDuration, timeTag } from './format-time.js';
import { html, type Html } from './html.js';

/**
 * The line atop the Followers page that says when the list was last reconciled with WeChat and what that
 * changed (issue 10): WeChat pushes nothing when a profile, tag or remark changes, so an operator needs to
 * know how fresh the list is.
 */
export function syncStatusLine(run: SyncRun | null, intervalSeconds: number, now: number): Html {
  const schedule =
    intervalSeconds > 0
      ? html`Synced automatically every ${formatDuration(intervalSeconds * 1000)};
          <span class="mono">wxoa sync</span> syncs now.`
      : html`Automatic sync is off (<span class="mono">WXOA_SYNC_INTERVAL=0</span>);
          <span class="mono">wxoa sync</span> syncs now.`;
  return html`<p class="muted" data-sync-status>${statusOf(run, now)} ${schedule}</p>`;
}

function statusOf(run: SyncRun | null, now: number): Html {
  if (!run) return html`Never synced with WeChat.`;
  const when = (at: number) => html`${formatDuration(now - at)} ago (${timeTag(Math.floor(at / 1000))})`;
  const by = run.trigger === 'cli' ? 'wxoa sync' : 'periodic';
  switch (run.outcome) {
    case 'running':
      return html`Sync running since ${when(run.startedAt)} (${by}): ${run.listed} listed so far.`;
    case 'done':
      return html`Last synced ${when(run.finishedAt ?? run.startedAt)} (${by}): ${changes(run)}.`;
    case 'failed':
      return html`Last sync failed ${when(run.finishedAt ?? run.startedAt)} (${by}) after ${run.listed}
      listed: ${run.error ?? 'unknown error'}.`;
    default:
      return html`Last sync stopped ${when(run.finishedAt ?? run.startedAt)} (${by}) after ${run.listed}
      listed; the next run resumes it.`;
  }
}

function changes(run: SyncRun): string {
  const parts = [
    `${run.listed} listed`,
    `${run.newlyFound} newly found`,
    `${run.unsubscribed} marked unsubscribed`,
    `${run.enriched} refreshed`,
  ];
  if (run.enrichFailed > 0) parts.push(`${run.enrichFailed} left queued for refresh`);
  return parts.join(', ');
}
