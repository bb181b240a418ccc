import { expect } from 'chai';
import type { SyncRun } from '../../src/followers/sync-run-repo.js';
import { syncStatusLine } from '../../src/http/console/sync-status-line.js';

const NOW = Date.UTC(2026, 0, 2, 12);
const run = (over: Partial<SyncRun>): SyncRun => ({
  id: 1,
  appid: 'wx0123456789abcdef',
  trigger: 'periodic',
  holder: 'host:1',
  startedAt: NOW - 3 * 3600_000,
  finishedAt: NOW - 2 * 3600_000,
  leaseUntil: NOW - 2 * 3600_000,
  outcome: 'done',
  resumed: false,
  listed: 100,
  newlyFound: 1,
  unsubscribed: 2,
  enriched: 97,
  enrichFailed: 3,
  error: null,
  ...over,
});
const text = (r: SyncRun | null, interval = 86_400) =>
  String(syncStatusLine(r, interval, NOW))
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim();

describe('console: the follower sync status line', () => {
  it('says the list was never synced, and how often it is', () => {
    expect(text(null)).to.equal(
      'Never synced with WeChat. Synced automatically every 24 h; wxoa sync syncs now.',
    );
  });

  it('says when the last run ended and what it changed, failed refreshes included', () => {
    expect(text(run({}))).to.equal(
      'Last synced 2 h ago (2026-01-02 10:00 UTC) (periodic): 100 listed, 1 newly found, 2 marked unsubscribed, ' +
        '97 refreshed, 3 left queued for refresh. Synced automatically every 24 h; wxoa sync syncs now.',
    );
  });

  it('says why the last run failed, and that a stopped one resumes', () => {
    expect(text(run({ outcome: 'failed', trigger: 'cli', error: 'invalid ip 1.2.3.4 (40164)' }), 0)).to.equal(
      'Last sync failed 2 h ago (2026-01-02 10:00 UTC) (wxoa sync) after 100 listed: invalid ip 1.2.3.4 (40164). ' +
        'Automatic sync is off (WXOA_SYNC_INTERVAL=0); wxoa sync syncs now.',
    );
    expect(text(run({ outcome: 'abandoned' }))).to.match(
      /^Last sync stopped 2 h ago .* the next run resumes it\./,
    );
  });
});
