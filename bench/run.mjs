#!/usr/bin/env node
/**
 * bench/run.mjs — throughput of wxoa's webhook against two physical-limit baselines, in one run.
 *
 *   npm run bench                      # builds, then: node bench/run.mjs
 *   node bench/run.mjs --seconds 10 --mode aes --profile
 *
 * Targets, each a child process on 127.0.0.1 (servers/):
 *   node-http   bare node:http: read the body, send a constant pre-built reply (the machine's ceiling)
 *   koa-bare    bare Koa doing the same (the ceiling of any Koa app)
 *   wxoa        the webhook as deployed: Koa + @koa/router + wechatWebhook (dist/), a Bot whose scene
 *               handler replies 'Welcome!' to a follow through QR scene campaign42
 *   wxoa-server the full server (createWxoa, dist/) on a temporary SQLite file, WeChat's API simulated in
 *               the same process: follower capture, conversation record, dedup record and the config file's
 *               scene reply on every push; the report gives its ratio to `wxoa`
 *   co-wechat   only with WXOA_BENCH_PEERS=/path/to/a/copy/of/shared/bench (with its node_modules)
 *
 * Load: autocannon over loopback, 50 connections, pipelining 1. EVERY request is a distinct push (its own
 * FromUserName, CreateTime and nonce; in safe mode its own ciphertext and msg_signature), taken from a pool
 * signed before the load so the client spends no CPU on crypto; a de-duplicating server therefore never
 * answers from its cache. Each target reads the pool from its start, and the report says if a target went
 * through the whole pool (then some of its requests repeated).
 *
 * Schedule per mode: build the pool; start every target; check each one's reply once (decrypted and
 * verified in safe mode) and send the probes (duplicate, bad signature, stale timestamp, wrong AppID);
 * warm each up; then --slices rounds in which every target gets --seconds/--slices of load, the order
 * rotating, so the host's slow and fast phases hit every target alike; stop them all.
 *
 * Options:
 *   --seconds N      measured seconds per target and mode            [8]
 *   --warmup N       warm-up seconds per target and mode             [2]
 *   --mode M         plain | aes | both                              [both]
 *   --connections N  concurrent keep-alive connections               [50]
 *   --slices K       rounds the measured seconds are split into      [2]
 *   --repeat N       run everything N times and add a table of medians (this host is noisy)   [1]
 *   --pool N         distinct pushes signed per mode                 [auto: enough for 15k req/s]
 *   --targets LIST   comma-separated subset of the targets           [all available]
 *   --profile        start the targets with --cpu-prof and print where their CPU time went (slows them)
 *   --profile-interval N  sampling interval of --profile in µs (node's --cpu-prof-interval)   [1000]
 *   --json FILE      also write the raw results as JSON
 *
 * Every wait is bounded: a server must print LISTENING within 15 s, each probe times out after 5 s, each
 * autocannon pass lasts exactly its seconds (requests time out after 10 s), and children get SIGKILL 3 s
 * after SIGTERM.
 */
/* global fetch, AbortSignal */
import { Buffer } from 'node:buffer';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startBenchPostgres } from './lib/postgres-cluster.mjs';
import { BENCH, buildPush, checkReply, decrypt, readXml } from './lib/protocol.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PEERS = process.env.WXOA_BENCH_PEERS;

const TARGETS = {
  'node-http': { kind: 'baseline', args: [path.join(HERE, 'servers/node-http.mjs')], cwd: HERE },
  'koa-bare': { kind: 'baseline', args: [path.join(HERE, 'servers/koa-bare.mjs')], cwd: HERE },
  wxoa: { kind: 'subject', args: [path.join(HERE, 'servers/wxoa.mjs')], cwd: HERE },
  // The full server (createWxoa) on SQLite with the simulator as WeChat's API: capture + dedup + reply.
  'wxoa-server': { kind: 'subject', args: [path.join(HERE, 'servers/wxoa-server.mjs')], cwd: HERE },
  // The same full server on PostgreSQL (a throwaway cluster the bench starts; skipped without binaries), and
  // two instances of it on one database with the load split between them.
  'wxoa-server-pg': {
    kind: 'subject',
    args: [path.join(HERE, 'servers/wxoa-server.mjs')],
    cwd: HERE,
    postgres: true,
  },
  'wxoa-server-pg-x2': {
    kind: 'subject',
    args: [path.join(HERE, 'servers/wxoa-server.mjs')],
    cwd: HERE,
    postgres: true,
    instances: 2,
  },
  // Optional (--targets …,wxoa-metrics): the webhook with the server's metrics observer and /metrics on;
  // the report prints its cost against `wxoa` (issue 11: at most 3 % of throughput).
  'wxoa-metrics': {
    kind: 'subject',
    args: [path.join(HERE, 'servers/wxoa.mjs')],
    cwd: HERE,
    env: { WXOA_BENCH_METRICS: '1' },
  },
  // Optional (--targets …,wxoa-app): the same webhook mounted with app.use instead of @koa/router.
  'wxoa-app': {
    kind: 'subject',
    args: [path.join(HERE, 'servers/wxoa.mjs')],
    cwd: HERE,
    env: { WXOA_BENCH_MOUNT: 'app' },
  },
};
const DEFAULT_TARGETS = [
  'node-http',
  'koa-bare',
  'wxoa',
  'wxoa-server',
  'wxoa-server-pg',
  'wxoa-server-pg-x2',
  ...(PEERS ? ['co-wechat'] : []),
];
if (PEERS) {
  TARGETS['co-wechat'] = { kind: 'peer', args: [path.join(PEERS, 'servers/co-wechat.js')], cwd: PEERS };
}

// ------------------------------------------------------------------ options
function parseArgs(argv) {
  const o = {
    seconds: 8,
    warmup: 2,
    mode: 'both',
    connections: 50,
    slices: 2,
    repeat: 1,
    pool: 0,
    profile: false,
    profileInterval: 1000,
  };
  o.targets = DEFAULT_TARGETS;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--seconds') o.seconds = Number(val());
    else if (a === '--warmup') o.warmup = Number(val());
    else if (a === '--mode') o.mode = val();
    else if (a === '--connections') o.connections = Number(val());
    else if (a === '--slices') o.slices = Number(val());
    else if (a === '--pool') o.pool = Number(val());
    else if (a === '--repeat') o.repeat = Number(val());
    else if (a === '--targets') o.targets = val().split(',').filter(Boolean);
    else if (a === '--profile') o.profile = true;
    else if (a === '--profile-interval') o.profileInterval = Number(val());
    else if (a === '--json') o.json = val();
    else if (a === '--help' || a === '-h') o.help = true;
    else throw new Error(`unknown option ${a} (see --help)`);
  }
  for (const t of o.targets) {
    if (!TARGETS[t]) throw new Error(`unknown target ${t}; available: ${Object.keys(TARGETS).join(', ')}`);
  }
  if (!['plain', 'aes', 'both'].includes(o.mode)) throw new Error('--mode must be plain, aes or both');
  for (const k of ['seconds', 'connections', 'slices', 'repeat']) {
    if (!(Number.isFinite(o[k]) && o[k] >= 1)) throw new Error(`--${k} must be >= 1`);
  }
  if (!(Number.isFinite(o.warmup) && o.warmup >= 0)) throw new Error('--warmup must be >= 0');
  // Enough distinct pushes for a webhook answering 15k req/s through warm-up and load (the report flags a
  // target that went through them all); the baselines may wrap around: they answer a constant anyway.
  if (!o.pool) o.pool = Math.min(600_000, Math.ceil((o.seconds + o.warmup) * 15_000));
  return o;
}

// ------------------------------------------------------------------ /proc
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** user+system CPU seconds of a process so far (Linux), or null. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** System (kernel) CPU seconds of a process so far (Linux), or null: the rest of cpuSeconds is user time. */
function systemCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[12]) / CLK_TCK;
  } catch {
    return null;
  }
}

/** Peak resident set (VmHWM) in MB, or null. */
function peakRssMB(pid) {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ children
const children = new Set();

/** Starts a target on a free port; resolves with { child, origin, sim } once it prints LISTENING <port>. */
function start(name, nodeArgs, env = {}) {
  const t = TARGETS[name];
  const child = spawn(process.execPath, [...nodeArgs, ...t.args], {
    cwd: t.cwd,
    env: { ...process.env, PORT: '0', NODE_ENV: 'production', ...t.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      void stop(child);
      reject(new Error(`${name}: not listening after 15 s\n${stderr}`));
    }, 15_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /LISTENING (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const sim = /^SIM (\S+)$/m.exec(out)?.[1];
        resolve({ child, origin: `http://127.0.0.1:${m[1]}`, sim, stderr: () => stderr });
      }
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited early (${code ?? sig})\n${stderr}`));
    });
  });
}

/** SIGTERM the child we started, by its PID; SIGKILL after 3 s. */
async function stop(child) {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await Promise.all([...children].map(stop));
    process.exit(130);
  });
}

// ------------------------------------------------------------------ requests
async function send(origin, push) {
  try {
    const r = await fetch(origin + push.path, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: push.body,
      signal: AbortSignal.timeout(5000),
    });
    return { status: r.status, body: await r.text() };
  } catch (e) {
    return { status: 0, body: String(e.message) };
  }
}

/** Checks the reply, then probes how the target treats a duplicate and forged pushes. */
async function verify(target, origin, mode, timestamp, probeIndex) {
  const push = buildPush(mode, probeIndex, timestamp);
  const first = await send(origin, push);
  if (TARGETS[target].kind === 'baseline') {
    return { errors: first.status === 200 ? [] : [`HTTP ${first.status}`], warnings: [], probes: null };
  }
  const { errors, warnings } = checkReply(mode, push, first);
  // ACCEPTED: the handler's reply came back; a 4xx is a refusal; anything else was not handled.
  const classify = (res, p) =>
    res.status >= 400 ? `${res.status}` : checkReply(mode, p, res).errors.length ? 'ignored' : 'ACCEPTED';
  const inner = (body) => (mode === 'aes' ? decrypt(readXml(body).Encrypt ?? '').message : body);
  const duplicate = await send(origin, push);
  let sameReply;
  try {
    sameReply = duplicate.status === 200 && inner(duplicate.body) === inner(first.body);
  } catch {
    sameReply = false; // not an encrypted reply at all
  }
  const probes = { duplicate: sameReply ? 'same reply' : classify(duplicate, push) };
  for (const forge of mode === 'aes' ? ['signature', 'stale', 'appid'] : ['signature', 'stale']) {
    const p = buildPush(mode, probeIndex + 1, timestamp, { forge });
    probes[forge] = classify(await send(origin, p), p);
  }
  return { errors, warnings, probes };
}

/** autocannon options whose requests rotate through `pool` from this target's own cursor. */
function loadOptions(origin, pool, cursor, seconds, connections) {
  return {
    url: origin,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    headers: { 'content-type': 'text/xml' },
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const push = pool[cursor.next % pool.length];
          cursor.next++;
          req.path = push.path;
          req.body = push.body;
          return req;
        },
      },
    ],
  };
}

/** CPU seconds of all of a cell's server processes (two for a pair of instances). */
function cellCpu(cell, read = cpuSeconds) {
  let sum = 0;
  for (const child of cell.children) {
    const s = read(child.pid);
    if (s === null) return null;
    sum += s;
  }
  return sum;
}

/** CPU seconds of the bench's PostgreSQL cluster (all its processes), or null. */
function postgresCpu(opts) {
  const pids = opts.postgres?.pids?.() ?? [];
  if (pids.length === 0) return null;
  let sum = 0;
  for (const pid of pids) sum += cpuSeconds(pid) ?? 0;
  return sum;
}

async function load(cell, pool, seconds, opts) {
  const cpu0 = cellCpu(cell);
  const sys0 = cellCpu(cell, systemCpuSeconds);
  const db0 = TARGETS[cell.target].postgres ? postgresCpu(opts) : null;
  // A pair of instances: the connections split between them, both drawing from the one pool cursor.
  const raws = await Promise.all(
    cell.origins.map((origin) =>
      autocannon({
        ...loadOptions(origin, pool, cell.cursor, seconds, Math.ceil(opts.connections / cell.origins.length)),
        skipAggregateResult: true, // keep the histograms so the slices can be merged
      }),
    ),
  );
  const cpu1 = cellCpu(cell);
  const sys1 = cellCpu(cell, systemCpuSeconds);
  const db1 = db0 === null ? null : postgresCpu(opts);
  cell.slices.push(...raws);
  if (cpu0 !== null && cpu1 !== null) cell.cpu += cpu1 - cpu0;
  if (sys0 !== null && sys1 !== null) cell.cpuSys += sys1 - sys0;
  // A backend that ended during the slice takes its CPU time with it: a lower bound.
  if (db0 !== null && db1 !== null) cell.dbCpu = (cell.dbCpu ?? 0) + Math.max(0, db1 - db0);
}

// ------------------------------------------------------------------ profile
function summarizeProfile(dir) {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
  if (files.length === 0) return null;
  const prof = JSON.parse(readFileSync(path.join(dir, files.sort().at(-1)), 'utf8'));
  const nodes = new Map(prof.nodes.map((n) => [n.id, n.callFrame]));
  const hits = new Map();
  for (const id of prof.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const byFn = new Map();
  const byPkg = new Map();
  let busy = 0;
  for (const [id, c] of hits) {
    const cf = nodes.get(id);
    if (cf.functionName === '(idle)') continue;
    busy += c;
    const url = cf.url ?? '';
    const pkg =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
      (url.startsWith('node:')
        ? url.replace(/^node:(internal\/)?/, 'node:').split('/')[0]
        : url.includes('/dist/src/')
          ? 'wxoa'
          : url
            ? 'bench'
            : '(native)');
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + c);
    const where = url ? ` ${url.replace(/^.*\/(node_modules|dist)\//, '')}:${cf.lineNumber + 1}` : '';
    const k = `${cf.functionName || '(anonymous)'}${where}`;
    byFn.set(k, (byFn.get(k) ?? 0) + c);
  }
  const top = (m, n) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, c]) => `${((100 * c) / busy).toFixed(1)}% ${k}`);
  return { byPackage: top(byPkg, 10), byFunction: top(byFn, 25) };
}

// ------------------------------------------------------------------ run
const fmt = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? '–' : Number(x).toFixed(d));

async function runMode(mode, opts) {
  const log = (s) => process.stderr.write(s);
  const timestamp = Math.floor(Date.now() / 1000);
  log(`${mode}: signing ${opts.pool} distinct pushes ... `);
  const t0 = Date.now();
  const pool = new Array(opts.pool);
  for (let i = 0; i < opts.pool; i++) {
    const p = buildPush(mode, i, timestamp);
    pool[i] = { path: p.path, body: Buffer.from(p.body) };
  }
  log(`${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

  // The OpenIDs wxoa-server's WeChat simulator (servers/wechat-sim.mjs) registers: the pool and the probes.
  process.env.WXOA_BENCH_FOLLOWERS = String(opts.pool + 10 * opts.targets.length + 10);
  const profileDir = path.join(HERE, 'results', `profile-${mode}-${Date.now()}`);
  const cells = [];
  try {
    for (const [i, target] of opts.targets.entries()) {
      const nodeArgs = opts.profile
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${path.join(profileDir, target)}`,
            `--cpu-prof-interval=${opts.profileInterval}`,
          ]
        : [];
      const t = TARGETS[target];
      const env = t.postgres ? { WXOA_BENCH_DATABASE_URL: await opts.postgres.createDatabase() } : {};
      const started = [];
      for (let n = 0; n < (t.instances ?? 1); n++) {
        const counts = path.join(os.tmpdir(), `wxoa-bench-counts-${process.pid}-${mode}-${target}-${n}.json`);
        started.push(
          await start(target, nodeArgs, {
            ...env,
            WXOA_BENCH_COUNTS: counts,
            ...(n > 0 && started[0].sim ? { WXOA_BENCH_SIM_URL: started[0].sim } : {}),
          }),
        );
        started[n].countsFile = counts;
      }
      const { child, origin, stderr } = started[0];
      // Probe pushes come from past the pool's end: they never collide with the load.
      const check = await verify(target, origin, mode, timestamp, opts.pool + 10 * i);
      cells.push({
        target,
        mode,
        child,
        origin,
        children: started.map((s) => s.child),
        origins: started.map((s) => s.origin),
        countsFiles: started.map((s) => s.countsFile),
        stderr,
        cursor: { next: 0 },
        slices: [],
        cpu: 0,
        cpuSys: 0,
        check,
      });
      log(
        `  ${target}: ${check.errors.length ? `REPLY WRONG: ${check.errors.join('; ')}` : 'reply ok'}` +
          `${check.probes ? ` | probes ${JSON.stringify(check.probes)}` : ''}\n`,
      );
    }
    for (const cell of cells) {
      if (opts.warmup > 0) {
        await Promise.all(
          cell.origins.map((origin) =>
            autocannon(
              loadOptions(
                origin,
                pool,
                cell.cursor,
                opts.warmup,
                Math.ceil(opts.connections / cell.origins.length),
              ),
            ),
          ),
        );
      }
    }
    const slice = opts.seconds / opts.slices;
    for (let k = 0; k < opts.slices; k++) {
      const order = cells.map((_, i) => cells[(i + k) % cells.length]);
      for (const cell of order) {
        log(`  slice ${k + 1}/${opts.slices} ${cell.target} ...`);
        await load(cell, pool, slice, opts);
        const last = cell.slices.slice(-cell.origins.length);
        log(` ${fmt(last.reduce((a, r) => a + r.totalCompletedRequests / r.duration, 0))} req/s\n`);
      }
    }
  } finally {
    for (const cell of cells) {
      cell.counted = cell.target.startsWith('wxoa-server') ? await scrapeAll(cell.origins) : null;
      cell.peakRssMB = peakRssMB(cell.child.pid);
      for (const child of cell.children) await stop(child);
      cell.db = readDbCounts(cell.countsFiles);
    }
  }
  const results = cells.map((cell) => {
    const merged = autocannon.aggregateResult(cell.slices, {
      url: cell.origin,
      connections: opts.connections,
    });
    const requests = cell.slices.reduce((a, r) => a + r.totalCompletedRequests, 0);
    // A pair's two loads ran at the same time: their durations overlap.
    const duration = cell.slices.reduce((a, r) => a + r.duration, 0) / cell.origins.length;
    return {
      target: cell.target,
      mode,
      rps: requests / duration,
      requests,
      p50: merged.latency.p50,
      p99: merged.latency.p99,
      non2xx: merged.non2xx,
      errors: merged.errors + merged.timeouts,
      serverUsPerReq: cell.cpu && requests ? (1e6 * cell.cpu) / requests : null,
      postgresUsPerReq: cell.dbCpu && requests ? (1e6 * cell.dbCpu) / requests : null,
      serverSysUsPerReq: cell.cpu && requests ? (1e6 * cell.cpuSys) / requests : null,
      peakRssMB: cell.peakRssMB,
      poolWrapped: TARGETS[cell.target].kind !== 'baseline' && cell.cursor.next > pool.length,
      replyErrors: cell.check.errors,
      replyWarnings: cell.check.warnings,
      probes: cell.check.probes,
      counted: cell.counted,
      db: cell.db,
    };
  });
  for (const r of results) {
    const base = (name) => results.find((b) => b.target === name);
    r.xNodeHttp = base('node-http') ? r.rps / base('node-http').rps : null;
    r.xKoaBare = base('koa-bare') ? r.rps / base('koa-bare').rps : null;
    r.xWxoa = base('wxoa') ? r.rps / base('wxoa').rps : null;
    r.xCoWechat = base('co-wechat') ? r.rps / base('co-wechat').rps : null;
  }
  const profiles = opts.profile
    ? Object.fromEntries(cells.map((c) => [c.target, summarizeProfile(path.join(profileDir, c.target))]))
    : null;
  return { results, profiles };
}

/** The statement counts a full server wrote at its end (bench/lib/counting-db.mjs), summed over instances. */
function readDbCounts(files) {
  const sum = { statements: 0, transactions: 0, roundTrips: 0, byKind: {} };
  let any = false;
  for (const file of files ?? []) {
    if (!file || !existsSync(file)) continue;
    const c = JSON.parse(readFileSync(file, 'utf8'));
    rmSync(file, { force: true });
    any = true;
    sum.statements += c.statements;
    sum.transactions += c.transactions;
    sum.roundTrips += c.roundTrips;
    for (const [k, v] of Object.entries(c.byKind)) sum.byKind[k] = (sum.byKind[k] ?? 0) + v;
  }
  return any ? sum : null;
}

async function scrapeAll(origins) {
  let total = null;
  for (const origin of origins) {
    const c = await scrapeCounts(origin);
    if (!c) continue;
    if (!total) total = c;
    else {
      total.pushes += c.pushes;
      total.retries += c.retries;
      total.refused += c.refused;
      for (const [k, v] of Object.entries(c.apiCalls)) total.apiCalls[k] = (total.apiCalls[k] ?? 0) + v;
    }
  }
  return total;
}

/**
 * What the full server counted in its /metrics (INTERFACE.md §11): pushes run, retried deliveries answered
 * without the handlers, WeChat API calls by endpoint. Null when the target does not answer it.
 */
async function scrapeCounts(origin) {
  try {
    const res = await fetch(`${origin}/metrics`, {
      headers: { authorization: `Bearer ${BENCH.adminToken}` },
      signal: AbortSignal.timeout(5000),
    });
    if (res.status !== 200) return null;
    const counts = { pushes: 0, retries: 0, refused: 0, apiCalls: {} };
    for (const line of (await res.text()).split('\n')) {
      const m = /^(wxoa_[a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) continue;
      const value = Number(m[3]);
      if (m[1] === 'wxoa_pushes_total') counts.pushes += value;
      else if (m[1] === 'wxoa_push_retries_total') counts.retries += value;
      else if (m[1] === 'wxoa_webhook_refused_total') counts.refused += value;
      else if (m[1] === 'wxoa_wechat_api_calls_total') {
        const endpoint = /endpoint="([^"]*)"/.exec(m[2] ?? '')?.[1] ?? '?';
        const errcode = /errcode="([^"]*)"/.exec(m[2] ?? '')?.[1] ?? '?';
        const key = errcode === '0' ? endpoint : `${endpoint} (${errcode})`;
        counts.apiCalls[key] = (counts.apiCalls[key] ?? 0) + value;
      }
    }
    return counts;
  } catch {
    return null;
  }
}

function table(results) {
  const rows = [
    '| target | mode | req/s | × node-http | × koa-bare | × co-wechat | × wxoa | p50 ms | p99 ms | non-2xx | err+timeout | server µs/req | peak RSS MB | notes |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of results) {
    const notes = [
      r.replyErrors.length ? `REPLY WRONG: ${r.replyErrors.join('; ')}` : '',
      r.replyWarnings.length ? `warning: ${r.replyWarnings.join('; ')}` : '',
      r.poolWrapped ? 'pool wrapped: some requests repeated (raise --pool)' : '',
    ].filter(Boolean);
    rows.push(
      `| ${r.target} | ${r.mode} | ${fmt(r.rps)} | ${fmt(r.xNodeHttp, 3)} | ${fmt(r.xKoaBare, 3)} | ${fmt(r.xCoWechat, 3)} | ${fmt(r.xWxoa, 3)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.non2xx} | ${r.errors} | ${fmt(r.serverUsPerReq)} | ${fmt(r.peakRssMB, 1)} | ${notes.join('; ')} |`,
    );
  }
  return rows.join('\n');
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  if (opts.help) {
    const src = readFileSync(fileURLToPath(import.meta.url), 'utf8');
    console.log(src.slice(src.indexOf('/**'), src.indexOf('*/') + 2));
    return;
  }
  if (
    !existsSync(path.join(HERE, '../dist/src/http/webhook-middleware.js')) &&
    opts.targets.includes('wxoa')
  ) {
    throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)');
  }
  mkdirSync(path.join(HERE, 'results'), { recursive: true });
  const modes = opts.mode === 'both' ? ['plain', 'aes'] : [opts.mode];
  if (opts.targets.some((t) => TARGETS[t].postgres)) {
    const pgServer = await startBenchPostgres();
    if (pgServer.unavailable) {
      console.error(`# skipping the PostgreSQL rows: ${pgServer.unavailable}`);
      opts.targets = opts.targets.filter((t) => !TARGETS[t].postgres);
    } else {
      opts.postgres = pgServer;
    }
  }
  console.error(
    `# ${opts.targets.join(', ')} | ${modes.join('+')} | ${opts.seconds}s (+${opts.warmup}s warm-up) x ${opts.connections} connections | ${opts.slices} slices | distinct pushes`,
  );
  const runs = [];
  const profiles = {};
  for (let run = 1; run <= opts.repeat; run++) {
    const results = [];
    for (const mode of modes) {
      if (opts.repeat > 1) process.stderr.write(`run ${run}/${opts.repeat} `);
      const { results: byMode, profiles: byTarget } = await runMode(mode, opts);
      results.push(...byMode);
      for (const [target, profile] of Object.entries(byTarget ?? {})) {
        if (profile) profiles[`${target}, ${mode}, run ${run}`] = profile;
      }
    }
    runs.push(results);
  }
  const cpus = os.cpus();
  console.log(`## wxoa webhook benchmark (${new Date().toISOString()})\n`);
  console.log(
    `Node ${process.version}, ${cpus.length} x ${cpus[0]?.model ?? '?'}; autocannon, ${opts.connections} connections, pipelining 1, ` +
      `${opts.seconds} s measured per target and mode after ${opts.warmup} s warm-up, in ${opts.slices} rotating slices; ` +
      `every request a distinct signed push (pool of ${opts.pool} per mode). Ratios: req/s over the baseline's in the same run and mode.\n`,
  );
  for (const [i, results] of runs.entries()) {
    if (runs.length > 1) console.log(`### Run ${i + 1}\n`);
    console.log(table(results) + '\n');
    console.log(
      'Server CPU per request, user + system (kernel: mostly the loopback socket writes) µs: ' +
        results
          .filter((r) => r.serverUsPerReq !== null)
          .map(
            (r) =>
              `${r.target}/${r.mode} ${fmt(r.serverUsPerReq - r.serverSysUsPerReq)} + ${fmt(r.serverSysUsPerReq)}`,
          )
          .join(', ') +
        '\n',
    );
    for (const r of results.filter((x) => x.counted)) {
      const { pushes, retries, refused, apiCalls } = r.counted;
      const calls = Object.entries(apiCalls).map(([k, v]) => `${k} ${v}`);
      console.log(
        `${r.target}/${r.mode} /metrics: ${pushes} pushes run, ${retries} retried deliveries answered from the ` +
          `dedup record, ${refused} refused; WeChat API calls: ${calls.join(', ') || 'none'}\n`,
      );
      if (r.db && pushes > 0) {
        const per = (n) => fmt(n / pushes, 2);
        const kinds = Object.entries(r.db.byKind)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `${k} ${per(v)}`);
        console.log(
          `${r.target}/${r.mode} database: ${per(r.db.statements)} statements and ${per(r.db.roundTrips)} round trips ` +
            `a push (${per(r.db.transactions)} transactions; statements by kind: ${kinds.join(', ')}), p99 ${fmt(r.p99)} ms` +
            `${r.postgresUsPerReq ? `; CPU a push: server ${fmt(r.serverUsPerReq)} µs, PostgreSQL ${fmt(r.postgresUsPerReq)} µs` : ''}\n`,
        );
      }
    }
    for (const mode of modes) {
      const one = results.find((r) => r.target === 'wxoa-server-pg' && r.mode === mode);
      const two = results.find((r) => r.target === 'wxoa-server-pg-x2' && r.mode === mode);
      if (one && two) {
        console.log(
          `PostgreSQL, ${mode}: two instances on one database did ${fmt(two.rps)} req/s together, ` +
            `${fmt(two.rps / one.rps, 2)}× one instance (${fmt(one.rps)} req/s), on the same ${os.cpus().length} cores ` +
            `as the load generator and PostgreSQL\n`,
        );
      }
    }
    for (const m of results.filter((x) => x.target === 'wxoa-metrics')) {
      const off = results.find((x) => x.target === 'wxoa' && x.mode === m.mode);
      if (off) {
        console.log(
          `/metrics cost (${m.mode}): wxoa-metrics ${fmt(m.rps / off.rps, 3)}× wxoa's req/s, ` +
            `${fmt(m.serverUsPerReq - off.serverUsPerReq, 1)} µs/req more server CPU (${fmt(off.serverUsPerReq)} → ${fmt(m.serverUsPerReq)})\n`,
        );
      }
    }
    const probed = results.filter((r) => r.probes);
    if (probed.length) {
      console.log(
        'Probes (before the load; duplicate = the same push again, then forged ones): ' +
          probed.map((r) => `${r.target}/${r.mode} ${JSON.stringify(r.probes)}`).join('; ') +
          '\n',
      );
    }
  }
  if (runs.length > 1) console.log(`### Medians over ${runs.length} runs\n\n${medianTable(runs)}\n`);
  for (const [which, p] of Object.entries(profiles)) {
    console.log(`### CPU profile of ${which} (self time, % of busy samples)\n`);
    console.log('by package: ' + p.byPackage.join(', ') + '\n');
    console.log(p.byFunction.map((l) => `- ${l}`).join('\n') + '\n');
  }
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ options: opts, runs, profiles }, null, 2));
}

function medianTable(runs) {
  const median = (xs) => {
    const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
    if (s.length === 0) return null;
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const rows = [
    '| target | mode | req/s per run | median req/s | median × node-http | median × koa-bare | median server µs/req |',
    '|---|---|---|---:|---:|---:|---:|',
  ];
  for (const r0 of runs[0]) {
    const same = runs
      .map((rs) => rs.find((r) => r.target === r0.target && r.mode === r0.mode))
      .filter(Boolean);
    rows.push(
      `| ${r0.target} | ${r0.mode} | ${same.map((r) => fmt(r.rps)).join(' / ')} | ${fmt(median(same.map((r) => r.rps)))} | ` +
        `${fmt(median(same.map((r) => r.xNodeHttp)), 3)} | ${fmt(median(same.map((r) => r.xKoaBare)), 3)} | ` +
        `${fmt(median(same.map((r) => r.serverUsPerReq)))} |`,
    );
  }
  return rows.join('\n');
}

main().then(
  () => process.exit(0),
  async (e) => {
    console.error(e);
    await Promise.all([...children].map(stop));
    process.exit(1);
  },
);
