#!/usr/bin/env node
/**
 * bench/data-scale.mjs — the admin reads that grow with the follower table (issue 11), at N followers.
 *
 *   npm run build && node bench/data-scale.mjs [--followers 100000] [--database sqlite:/tmp/x.db | postgres://…]
 *
 * Loads N followers through the store's own code (markListed as `wxoa sync` does, saveEnrichment giving a
 * third of them a UnionID, recordEvent for QR follows, scans and unfollows of a tenth of them), then times
 * each read a few times and prints the median, and the longest the event loop stood still during it (with
 * better-sqlite3 that is time no push is answered). Runs on the build (dist/src, or WXOA_DIST=/path/to/dist),
 * so the same script measures an older build.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const dist = resolve(process.env.WXOA_DIST ?? join(root, 'dist'));
const { openStore } = await import(pathToFileURL(join(dist, 'src', 'store', 'index.js')).href);

const { values: args } = parseArgs({
  options: {
    followers: { type: 'string', default: '100000' },
    database: { type: 'string' },
    runs: { type: 'string', default: '5' },
  },
});
const N = Number(args.followers);
const RUNS = Number(args.runs);
const dir = args.database ? null : mkdtempSync(join(tmpdir(), 'wxoa-scale-'));
const url = args.database ?? `sqlite:${join(dir, 'wxoa.db')}`;
const APPID = 'wxbench';
const SCENES = ['spring', 'summer', 'autumn', 'winter'];

const openid = (i) => `o${String(i).padStart(9, '0')}`;
let store = await openStore(url);
const t0 = performance.now();
for (let i = 0; i < N; i += 1000) {
  const page = Array.from({ length: Math.min(1000, N - i) }, (_, k) => openid(i + k));
  await store.followers.markListed(APPID, page, 'load');
  await store.followers.saveEnrichment(
    APPID,
    page.map((o, k) => ({ openid: o, subscribe: 1, ...((i + k) % 3 === 0 ? { unionid: `u${i + k}` } : {}) })),
  );
}
let seq = 0;
const events = [];
for (let i = 0; i < N; i += 10) {
  const scene = SCENES[i % SCENES.length];
  events.push({ type: 'subscribe', openid: openid(i), scene }, { type: 'scan', openid: openid(i), scene });
  if (i % 30 === 0) events.push({ type: 'unsubscribe', openid: openid(i), scene: null });
}
for (let i = 0; i < events.length; i += 500) {
  await Promise.all(
    events.slice(i, i + 500).map((e) =>
      store.followers.recordEvent({
        appid: APPID,
        ...e,
        ticket: null,
        createTime: 1_700_000_000 + seq,
        dedupKey: `bench|${seq++}`,
      }),
    ),
  );
}
const loadSeconds = (performance.now() - t0) / 1000;
// Reopened as a server starts: migrations checked, statistics refreshed where the build does that.
await store.close();
const reopen = performance.now();
store = await openStore(url);
const reopenMs = performance.now() - reopen;

async function time(label, fn, runs = RUNS) {
  // The longest gap between ticks of a 1 ms timer: how long the event loop could not answer a push.
  let last = performance.now();
  let stall = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  await sleep(5);
  stall = 0;
  last = performance.now();
  const times = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  await sleep(5);
  clearInterval(ticker);
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `${label.padEnd(34)} ${median.toFixed(2).padStart(10)} ms   longest stall ${stall.toFixed(1).padStart(8)} ms`,
  );
}

const known = `u${3 * Math.floor(N / 6)}`;
console.log(`${store.kind}, ${N} followers, ${events.length} events (loaded in ${loadSeconds.toFixed(1)} s)`);
console.log(`${'openStore (migrations, statistics)'.padEnd(34)} ${reopenMs.toFixed(2).padStart(10)} ms`);
await time('GET /api/scenes', () => store.followers.sceneStats(APPID));
await time('UnionID filter (known)', () => store.followers.list({ appid: APPID, unionid: known, limit: 50 }));
await time('UnionID filter (unknown)', () =>
  store.followers.list({ appid: APPID, unionid: 'nobody', limit: 50 }),
);
await time('console search (unionid)', () =>
  store.followers.list({ appid: APPID, search: known, limit: 50 }),
);
await time('console search (unknown)', () =>
  store.followers.list({ appid: APPID, search: 'nobody', limit: 50 }),
);
await time('/api/unions/:unionid', () => store.followers.unionIdentities(known));
await time('/api/unions/:unionid (unknown)', () => store.followers.unionIdentities('nobody'));
await time('enrichment claim (empty queue)', () => store.followers.claimForEnrichment(100, 1));
// A sync that lists everyone but one follower in a hundred, then its end.
for (let i = 0; i < N; i += 1000) {
  const page = Array.from({ length: Math.min(1000, N - i) }, (_, k) => i + k)
    .filter((k) => k % 100 !== 1)
    .map(openid);
  await store.followers.markListed(APPID, page, 'sync-2');
}
await time('enrichment claim (all queued)', () => store.followers.claimForEnrichment(100, 1));
await time('markUnlisted (sync end)', () => store.followers.markUnlisted(APPID, 'sync-2', 1_800_000_000), 1);
await store.close();
if (dir) rmSync(dir, { recursive: true, force: true });
