#!/usr/bin/env node
/**
 * bench/data-scale.mjs — the operator's reads at N followers, and what they cost the pushes (issue 11).
 *
 *   npm run build && node bench/data-scale.mjs [--followers N] [--database sqlite:/tmp/x.db | postgres://…]
 *                                              [--push-seconds 5] [--runs 5] [--sync]
 *
 * N defaults to WXOA_BENCH_SCALE, else 100 000 (`npm run bench` runs it so; WXOA_BENCH_SCALE=1000000 for the
 * issue's million, about 2 minutes on SQLite and 15 on PostgreSQL here). Without --database it runs on a
 * temporary SQLite file and on a throwaway PostgreSQL cluster (skipped, with the reason, when the server
 * binaries are missing).
 *
 * 1. Loads N followers of one account through the store's own code (bench/lib/scale-load.mjs: markListed and
 *    saveEnrichment as `wxoa sync` writes them, recordEvent for QR follows, scans and unfollows, messages.add
 *    for conversations, qrcodes.add). A `sqlite:` file or database that already holds N followers is reused.
 * 2. Prints the storage per follower.
 * 3. Starts the full server (createWxoa + the console) on it and times every admin API call and console page
 *    over HTTP (median of --runs), with the longest the event loop stood still meanwhile (better-sqlite3 is
 *    synchronous: on the main thread no push is answered then).
 * 4. Push latency (p50/p99/max) with 10 pushes in flight, first alone, then while the heaviest reads run back
 *    to back.
 * 5. With --sync: a sync's end (markUnlisted) at this size, with the longest stall.
 *
 * Runs on the build (dist/src, or WXOA_DIST=/path/to/dist), so the same script measures an older build.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { APPID, loadFollowers, loaded, openid } from './lib/scale-load.mjs';
import { startBenchPostgres } from './lib/postgres-cluster.mjs';

const { fetch, AbortController } = globalThis;
const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const dist = resolve(process.env.WXOA_DIST ?? join(root, 'dist'));
const load = (path) => import(pathToFileURL(join(dist, 'src', path)).href);
const [{ openStore }, { loadConfig }, { createWxoa }, consoleModule] = await Promise.all([
  load('store/index.js'),
  load('config.js'),
  load('server.js'),
  load('http/console/index.js'),
]);

const { values: args } = parseArgs({
  options: {
    followers: { type: 'string', default: process.env.WXOA_BENCH_SCALE ?? '100000' },
    database: { type: 'string' },
    runs: { type: 'string', default: '5' },
    'push-seconds': { type: 'string', default: '5' },
    sync: { type: 'boolean', default: false },
  },
});
const N = Number(args.followers);
const RUNS = Number(args.runs);
const PUSH_SECONDS = Number(args['push-seconds']);
const TOKEN = 'scaletoken';
const ADMIN_TOKEN = 'scale-admin-token-0123456789';

const ms = (x) => x.toFixed(1).padStart(9);

/** Loads (or reuses) `url`, then prints its timings. */
async function measure(url) {
  const sqlitePath = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : null;
  // 1. Load (or reuse).
  let store = await openStore(url);
  if (!(await loaded(store, N))) {
    const t0 = performance.now();
    const seconds = await loadFollowers(store, N, (phase) =>
      console.error(`  loaded ${phase} (${((performance.now() - t0) / 1000).toFixed(0)} s)`),
    );
    console.log(`loaded ${N} followers in ${seconds.toFixed(1)} s`);
  }
  await store.close();

  // 2. Storage.
  // Reopened as a server starts: migrations checked, statistics refreshed where the build does that.
  const reopen = performance.now();
  store = await openStore(url);
  const reopenMs = performance.now() - reopen;
  let bytes;
  if (sqlitePath) {
    bytes =
      statSync(sqlitePath).size + (existsSync(`${sqlitePath}-wal`) ? statSync(`${sqlitePath}-wal`).size : 0);
  } else {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    bytes = Number((await client.query('SELECT pg_database_size(current_database()) AS n')).rows[0].n);
    await client.end();
  }
  const counts = await store.followers.counts(APPID);
  console.log(
    `${store.kind}, ${counts.total} followers: ${(bytes / 1e6).toFixed(0)} MB, ` +
      `${Math.round(bytes / counts.total)} bytes a follower; openStore ${reopenMs.toFixed(0)} ms`,
  );

  // 3. The server on it: WeChat's API at a closed port (enrichment fails and waits; nothing here needs it).
  const config = loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: url,
      WECHAT_APPID: APPID,
      WECHAT_APPSECRET: 'scalesecret000000000000000000000',
      WECHAT_TOKEN: TOKEN,
      WECHAT_API_BASE: 'http://127.0.0.1:9',
      WECHAT_OPEN_BASE: 'http://127.0.0.1:9',
      WXOA_SYNC_INTERVAL: '0',
      ADMIN_TOKEN,
      LOG_LEVEL: 'silent',
    },
    root,
  );
  const wxoa = await createWxoa({
    config,
    store,
    extend: (w) => consoleModule.mountConsole(w, { sandbox: null }),
  });
  const base = await wxoa.listen(0, '127.0.0.1');
  const login = await fetch(await consoleModule.createLoginLink(wxoa, base), { redirect: 'manual' });
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');

  async function get(path, { firstChunk = false } = {}) {
    const headers =
      path.startsWith('/api') || path === '/metrics'
        ? { authorization: `Bearer ${ADMIN_TOKEN}` }
        : { cookie };
    const controller = new AbortController();
    const res = await fetch(base + path, { headers, signal: controller.signal, redirect: 'manual' });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    if (firstChunk) {
      const reader = res.body.getReader();
      await reader.read();
      controller.abort();
      return;
    }
    await res.arrayBuffer();
  }

  const known = 3 * Math.floor(N / 6);
  const talker = openid(5 + 10 * Math.floor(N / 20));
  const READS = [
    ['GET /api/followers', '/api/followers'],
    ['  ?sort=newest', '/api/followers?sort=newest'],
    ['  ?subscribed=false', '/api/followers?subscribed=false'],
    ['  ?scene=spring', '/api/followers?scene=spring'],
    ['  ?scene=spring&sort=newest', '/api/followers?scene=spring&sort=newest'],
    ['  ?scene=spring&subscribed=false', '/api/followers?scene=spring&subscribed=false'],
    ['  ?scene=(none such)', '/api/followers?scene=nosuchscene&sort=newest'],
    ['  ?unionid=(known)', `/api/followers?unionid=u${known}`],
    ['  ?unionid=(unknown)', '/api/followers?unionid=nobody'],
    ['  ?search=(unionid prefix)', `/api/followers?search=u${String(known).slice(0, 3)}&sort=newest`],
    ['  ?search=(openid prefix)', '/api/followers?search=o0005&sort=newest'],
    ['  ?search=(unknown)', '/api/followers?search=nobody&sort=newest'],
    ['GET /api/followers/:openid', `/api/followers/${openid(known)}`],
    ['GET /api/followers/:openid/events', `/api/followers/${openid(10 * Math.floor(N / 20))}/events`],
    ['GET /api/unions/:unionid', `/api/unions/u${known}`],
    ['GET /api/unions/(unknown)', '/api/unions/nobody', 404],
    ['GET /api/scenes', '/api/scenes'],
    ['GET /api/conversations', '/api/conversations'],
    ['  ?unanswered=true', '/api/conversations?unanswered=true'],
    ['GET /api/conversations/:openid/messages', `/api/conversations/${talker}/messages`],
    ['GET /api/qrcodes', '/api/qrcodes'],
    ['GET /metrics', '/metrics'],
    ['console Followers', '/admin/followers'],
    ['console Followers, search', `/admin/followers?q=u${known}`],
    ['console Followers, scene, unfollowed', '/admin/followers?scene=spring&subscribed=no'],
    ['console follower page', `/admin/followers/${talker}`],
    ['console export.csv (first chunk)', '/admin/followers/export.csv', 'chunk'],
    ['console Campaigns', '/admin/campaigns'],
    ['console Conversations', '/admin/conversations'],
    ['console conversation', `/admin/conversations/${talker}`],
  ];

  async function fetchRead(read) {
    const [, path, mode] = read;
    if (mode === 404) {
      const res = await fetch(base + path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      await res.arrayBuffer();
      return;
    }
    await get(path, { firstChunk: mode === 'chunk' });
  }

  console.log(`\n${'admin call'.padEnd(40)} ${'median ms'.padStart(9)} ${'stall ms'.padStart(9)}`);
  const timings = [];
  for (const read of READS) {
    const loop = monitorEventLoopDelay({ resolution: 1 });
    await fetchRead(read); // warm: statement caches, pages
    loop.enable();
    const times = [];
    for (let r = 0; r < RUNS; r++) {
      const start = performance.now();
      await fetchRead(read);
      times.push(performance.now() - start);
    }
    loop.disable();
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    timings.push([read, median]);
    console.log(`${read[0].padEnd(40)} ${ms(median)} ${ms(loop.max / 1e6)}`);
  }
  const heaviest = timings
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([read]) => read);

  // 4. Pushes: text messages from known followers ("hello" gets no rule: answered `success`, recorded).
  let pushSeq = 0;
  function signedPush() {
    const i = pushSeq++;
    const from = openid((i * 7919) % N);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = `n${i}`;
    const signature = createHash('sha1').update([TOKEN, timestamp, nonce].sort().join('')).digest('hex');
    const body =
      `<xml><ToUserName><![CDATA[gh_scale]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName>` +
      `<CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
      `<Content><![CDATA[hello ${i}]]></Content><MsgId>${9_000_000_000 + i + Date.now() * 1000}</MsgId></xml>`;
    return {
      path: `/wechat?signature=${signature}&timestamp=${timestamp}&nonce=${nonce}&openid=${from}`,
      body,
    };
  }

  async function pushLoad(seconds, concurrency = 10) {
    const latencies = [];
    const until = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) {
          const push = signedPush();
          const start = performance.now();
          const res = await fetch(base + push.path, { method: 'POST', body: push.body });
          await res.text();
          if (res.status !== 200) throw new Error(`push answered ${res.status}`);
          latencies.push(performance.now() - start);
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    const at = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
    return { n: latencies.length, p50: at(0.5), p99: at(0.99), max: latencies.at(-1) };
  }

  const line = (label, r) =>
    console.log(`${label.padEnd(40)} ${String(r.n).padStart(6)} ${ms(r.p50)} ${ms(r.p99)} ${ms(r.max)}`);
  console.log(
    `\n${'pushes (10 in flight)'.padEnd(40)} ${'n'.padStart(6)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'max ms'.padStart(9)}`,
  );
  line('alone', await pushLoad(PUSH_SECONDS));
  let reading = true;
  let reads = 0;
  const reader = (async () => {
    while (reading) {
      for (const read of heaviest) {
        if (!reading) break;
        await fetchRead(read);
        reads++;
      }
    }
  })();
  const underReads = await pushLoad(PUSH_SECONDS);
  reading = false;
  await reader;
  line(`while reads run back to back (${reads})`, underReads);
  console.log(`  the reads: ${heaviest.map((r) => r[0].trim()).join('; ')}`);
  await wxoa.close();

  // 5. A sync's end: everyone listed but one follower in a hundred, then markUnlisted.
  if (args.sync) {
    for (let i = 0; i < N; i += 1000) {
      const page = Array.from({ length: Math.min(1000, N - i) }, (_, k) => i + k)
        .filter((k) => k % 100 !== 1)
        .map(openid);
      await store.followers.markListed(APPID, page, 'sync-2');
    }
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const start = performance.now();
    const changed = await store.followers.markUnlisted(APPID, 'sync-2', 1_800_000_000);
    const took = performance.now() - start;
    loop.disable();
    console.log(
      `\nmarkUnlisted (sync end): ${took.toFixed(0)} ms, ${changed} changed, longest stall ${(loop.max / 1e6).toFixed(1)} ms`,
    );
    // Leave the reused data as loaded: the listed followers' enrichment flags back off.
    for (let i = 0; i < N; i += 1000) {
      const page = Array.from({ length: Math.min(1000, N - i) }, (_, k) => openid(i + k));
      await store.followers.saveEnrichment(
        APPID,
        page.map((o) => ({ openid: o, subscribe: 1 })),
      );
    }
  }
  await store.close();
  await sleep(10);
}

if (args.database) {
  await measure(args.database);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'wxoa-scale-'));
  try {
    await measure(`sqlite:${join(dir, 'wxoa.db')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const pg = await startBenchPostgres();
  if (pg.unavailable) {
    console.log(`\nPostgreSQL: skipped (${pg.unavailable})`);
  } else {
    try {
      console.log('');
      // A fresh database: on the bench's own cluster as empty as its `postgres` one, and on a server named by
      // WXOA_BENCH_POSTGRES_URL it leaves that server's own databases alone.
      await measure(await pg.createDatabase());
    } finally {
      pg.stop();
    }
  }
}
