import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { createSyncProgress } from '../../src/followers/sync-progress.js';
import type { SyncProgress } from '../../src/followers/sync.js';

function progress(overrides: Partial<SyncProgress> = {}): SyncProgress {
  return {
    appid: 'wxaaaaaaaaaaaaaaaa',
    phase: 'listing',
    total: 20_000,
    listed: 0,
    enriched: 0,
    enrichFailed: 0,
    unsubscribed: 0,
    newlyFound: 0,
    resumed: false,
    ...overrides,
  };
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

describe('sync progress display', () => {
  it('prints plain lines, without terminal control codes, when the output is not a terminal', () => {
    const out = capture();
    const reporter = createSyncProgress({ stream: out.stream, tty: false });
    reporter.update(progress({ listed: 10_000, enriched: 10_000 }));
    reporter.update(
      progress({ phase: 'done', listed: 20_000, enriched: 19_900, enrichFailed: 100, unsubscribed: 3 }),
    );
    reporter.stop();
    const lines = out.text().trimEnd().split('\n');
    expect(lines).to.deep.equal([
      'wxaaaaaaaaaaaaaaaa: listed 10000/20000, enriched 10000',
      'wxaaaaaaaaaaaaaaaa: sync done: 20000 listed, 0 newly found, 19900 enriched, 100 left queued for enrichment, 3 marked unsubscribed',
    ]);
    expect(out.text()).not.to.match(/\x1b\[/);
  });

  it('limits plain lines within a page to one per interval', () => {
    const out = capture();
    let now = 0;
    const reporter = createSyncProgress({
      stream: out.stream,
      tty: false,
      lineIntervalMs: 2000,
      now: () => now,
    });
    reporter.update(progress({ listed: 10_000 }));
    for (let enriched = 100; enriched <= 5000; enriched += 100) {
      now += 100; // 50 updates over 5 s
      reporter.update(progress({ listed: 10_000, enriched }));
    }
    const lines = out.text().trimEnd().split('\n');
    expect(lines.length).to.be.within(3, 4);
  });

  it('says when a sync was resumed', () => {
    const out = capture();
    const reporter = createSyncProgress({ stream: out.stream, tty: false });
    reporter.update(progress({ listed: 10_000, resumed: true }));
    expect(out.text()).to.contain('(resumed)');
  });

  it('draws a progress bar on a terminal and ends with the summary', () => {
    const out = capture();
    // cli-progress draws only on a stream that says it is a terminal.
    Object.assign(out.stream, { isTTY: true, columns: 160 });
    const reporter = createSyncProgress({ stream: out.stream });
    reporter.update(progress({ listed: 10_000, enriched: 5_000 }));
    reporter.update(progress({ phase: 'done', listed: 20_000, enriched: 20_000 }));
    const text = out.text();
    expect(text).to.match(/\x1b\[/); // cursor control: a redrawn bar, not a log line
    expect(text).to.contain('listed 10000/20000');
    expect(text).to.contain('sync done: 20000 listed, 0 newly found, 20000 enriched');
  });
});
