#!/usr/bin/env node
/**
 * bench/followers.mjs — what follower enrichment costs: WeChat API calls and time for 10 000 follows.
 *
 *   npm run build && node bench/followers.mjs [--follows 10000] [--concurrency 20] [--debounce 500]
 *
 * Self-contained, on 127.0.0.1: the WeChat simulator, an SQLite store in a temp folder, and the webhook as
 * deployed (Koa + @koa/router + wechatWebhook, follower capture first in the bot, a welcome reply after it),
 * all from the build (dist/src, or WXOA_DIST=/path/to/dist).
 *
 * Two scenarios:
 *   burst     N people follow through the webhook (--concurrency pushes in flight) while the enrichment
 *             worker runs as in the server (nudged by capture, debounced). Measures push latency, the time
 *             until every follower is enriched, and the calls the simulated WeChat received.
 *   backlog   N followers captured while no worker ran (an outage, a restart); then a worker starts and
 *             drains the queue. Measures the calls and the time to drain.
 *   tagging   N followers (synced from the simulator) tagged by a filter job (issue 14): the
 *             batchtagging calls made (target: exactly N / 50) and the time from queued to done.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const dist = resolve(process.env.WXOA_DIST ?? join(root, 'dist'));
const load = (path) => import(pathToFileURL(join(dist, 'src', path)).href);

const { values: args } = parseArgs({
  options: {
    follows: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '20' },
    debounce: { type: 'string', default: '500' },
    scenario: { type: 'string', default: 'both' },
  },
});
const FOLLOWS = Number(args.follows);
const CONCURRENCY = Number(args.concurrency);
const DEBOUNCE_MS = Number(args.debounce);

const [
  { startSimulator },
  { openStore },
  { Bot },
  { wechatWebhook },
  { captureFollowers },
  { EnrichmentWorker },
  wechatApi,
] = await Promise.all([
  load('simulator/index.js'),
  load('store/index.js'),
  load('bot/index.js'),
  load('http/webhook-middleware.js'),
  load('followers/capture.js'),
  load('followers/enrichment.js'),
  load('wechat-api/index.js'),
]);
const [{ syncFollowers }, { FollowerJobRunner }] = await Promise.all([
  load('followers/sync.js'),
  load('followers/follower-job-runner.js'),
]);
const { default: Koa } = await import('koa');
const { Router } = await import('@koa/router');

/** Runs `task` over `items`, `limit` at a time. */
async function inParallel(items, limit, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Starts everything a scenario needs; `withWorker` decides whether capture nudges a running worker. */
async function setup(withWorker) {
  const dir = mkdtempSync(join(tmpdir(), 'wxoa-bench-followers-'));
  const store = await openStore(`sqlite:${join(dir, 'wxoa.db')}`);
  const sim = await startSimulator();
  const account = sim.createAccount();
  const api = new wechatApi.WechatApi({
    appid: account.appid,
    appsecret: account.appsecret,
    apiBase: sim.url,
  });
  const worker = new EnrichmentWorker({
    followers: store.followers,
    apiFor: () => api,
    debounceMs: DEBOUNCE_MS,
  });

  const bot = new Bot();
  bot.use(captureFollowers({ followers: store.followers, ...(withWorker ? { enrichment: worker } : {}) }));
  bot.on('event:subscribe', (ctx) => ctx.reply('Welcome!'));
  const middleware = wechatWebhook({
    accounts: [{ appid: account.appid, token: account.token }],
    bot,
    replyStore: store.replies,
  });
  const router = new Router();
  router.all('/wechat', middleware);
  const app = new Koa();
  app.use(router.routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  account.webhookUrl = `http://127.0.0.1:${server.address().port}/wechat`;

  return {
    store,
    sim,
    account,
    api,
    worker,
    async close() {
      await worker.stop();
      await middleware.webhook.drain();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await sim.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function callCounts(sim) {
  const byPath = {};
  for (const call of sim.calls) byPath[call.path] = (byPath[call.path] ?? 0) + 1;
  return { total: sim.calls.length, byPath };
}

async function waitEnriched(store, appid, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await store.followers.pendingEnrichment(appid)) > 0) {
    if (Date.now() > deadline) throw new Error('enrichment did not finish in time');
    await sleep(20);
  }
}

async function follow(people) {
  const latencies = [];
  let failed = 0;
  // The longest the event loop stood still: what enrichment's database writes could cost pushes.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  await inParallel(people, CONCURRENCY, async (person) => {
    const started = performance.now();
    const result = await person.follow();
    latencies.push(performance.now() - started);
    if (result.status !== 200 || result.reply?.Content !== 'Welcome!') failed++;
  });
  loop.disable();
  latencies.sort((a, b) => a - b);
  return {
    failed,
    eventLoopDelayMaxMs: Math.round(loop.max / 1e6),
    eventLoopDelayP99Ms: Math.round(loop.percentile(99) / 1e6),
    p50Ms: Math.round(percentile(latencies, 50)),
    p99Ms: Math.round(percentile(latencies, 99)),
    maxMs: Math.round(latencies.at(-1)),
  };
}

async function burst() {
  const env = await setup(true);
  try {
    env.worker.start();
    const people = Array.from({ length: FOLLOWS }, () => env.account.follower());
    const started = performance.now();
    const pushes = await follow(people);
    const pushedMs = performance.now() - started;
    await waitEnriched(env.store, env.account.appid);
    const enrichedMs = performance.now() - started;
    return {
      scenario: 'burst',
      follows: FOLLOWS,
      pushes: { ...pushes, wallMs: Math.round(pushedMs), perSecond: Math.round(FOLLOWS / (pushedMs / 1000)) },
      allEnrichedAfterMs: Math.round(enrichedMs),
      enrichmentLagAfterLastPushMs: Math.round(enrichedMs - pushedMs),
      apiCalls: callCounts(env.sim),
    };
  } finally {
    await env.close();
  }
}

async function backlog() {
  const env = await setup(false);
  try {
    const people = Array.from({ length: FOLLOWS }, () => env.account.follower());
    // The same pushes without a worker: the latency to compare the burst's with.
    const pushes = await follow(people);
    env.sim.clearCalls();
    const started = performance.now();
    const pass = await env.worker.drain();
    const drainMs = performance.now() - started;
    return {
      scenario: 'backlog',
      follows: FOLLOWS,
      pushesWithoutWorker: pushes,
      drainMs: Math.round(drainMs),
      followersPerSecond: Math.round(pass.enriched / (drainMs / 1000)),
      pass,
      apiCalls: callCounts(env.sim),
    };
  } finally {
    await env.close();
  }
}

async function tagging() {
  const env = await setup(false);
  try {
    env.account.seedFollowers(FOLLOWS);
    const api = env.api;
    await syncFollowers({ store: env.store, api, appid: env.account.appid });
    const tag = await api.createTag('bench');
    env.sim.clearCalls();
    const runner = new FollowerJobRunner({ jobs: env.store.followerJobs, apiFor: () => api });
    const started = performance.now();
    const job = await env.store.followerJobs.create({
      appid: env.account.appid,
      kind: 'tag',
      tagId: tag.id,
      filter: { subscribed: true },
    });
    await runner.runOnce();
    const ms = performance.now() - started;
    const done = await env.store.followerJobs.get(job.id);
    return {
      scenario: 'tagging',
      followers: FOLLOWS,
      job: { state: done.state, total: done.total, done: done.done, failed: done.failed },
      ms: Math.round(ms),
      followersPerSecond: Math.round(done.done / (ms / 1000)),
      apiCalls: callCounts(env.sim),
    };
  } finally {
    await env.close();
  }
}

const results = [];
if (args.scenario === 'both' || args.scenario === 'burst') results.push(await burst());
if (args.scenario === 'both' || args.scenario === 'backlog') results.push(await backlog());
if (args.scenario === 'both' || args.scenario === 'tagging') results.push(await tagging());

for (const r of results) {
  const batchget = r.apiCalls.byPath['/cgi-bin/user/info/batchget'] ?? 0;
  if (r.scenario === 'burst') {
    console.log(
      `burst:   ${r.follows} follows pushed in ${r.pushes.wallMs} ms (${r.pushes.perSecond}/s, ` +
        `p50 ${r.pushes.p50Ms} ms, p99 ${r.pushes.p99Ms} ms, max ${r.pushes.maxMs} ms, ${r.pushes.failed} failed, ` +
        `event loop delay max ${r.pushes.eventLoopDelayMaxMs} ms); ` +
        `all enriched after ${r.allEnrichedAfterMs} ms (${r.enrichmentLagAfterLastPushMs} ms after the last push); ` +
        `${batchget} batchget calls, ${r.apiCalls.total} API calls in all`,
    );
  } else if (r.scenario === 'tagging') {
    const tagging = r.apiCalls.byPath['/cgi-bin/tags/members/batchtagging'] ?? 0;
    console.log(
      `tagging: ${r.followers} followers tagged by filter in ${r.ms} ms (${r.followersPerSecond}/s, job ` +
        `${r.job.state}: ${r.job.done} done, ${r.job.failed} failed); ${tagging} batchtagging calls ` +
        `(target ${Math.ceil(r.followers / 50)}), ${r.apiCalls.total} API calls in all`,
    );
  } else {
    console.log(
      `backlog: ${r.follows} follows pushed with no worker running (p50 ${r.pushesWithoutWorker.p50Ms} ms, ` +
        `p99 ${r.pushesWithoutWorker.p99Ms} ms, max ${r.pushesWithoutWorker.maxMs} ms, event loop delay max ` +
        `${r.pushesWithoutWorker.eventLoopDelayMaxMs} ms); then the queue was ` +
        `enriched in ${r.drainMs} ms (${r.followersPerSecond}/s); ` +
        `${batchget} batchget calls, ${r.apiCalls.total} API calls in all`,
    );
  }
}
console.log(
  JSON.stringify(
    { node: process.version, debounceMs: DEBOUNCE_MS, concurrency: CONCURRENCY, results },
    null,
    2,
  ),
);
