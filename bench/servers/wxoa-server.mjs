/**
 * The FULL wxoa server (createWxoa, dist/) on a fresh SQLite file: every push goes through follower capture
 * (upsert + enrichment queue), conversation recording, the dedup record and the config file's reply rule
 * (replies.scenes.campaign42 → 'Welcome!'), all on SQLite. WECHAT_API_BASE points at the WeChat simulator,
 * forked as a separate process (wechat-sim.mjs) so that only wxoa's own CPU is measured, and enrichment
 * really calls user/info/batchget in the background (the simulator knows the bench's followers as people who
 * left, subscribe: 0, so each batch of up to 100 is one call and one stored result, as in production).
 * Run `npm run build` first. LOG_LEVEL (default warn) goes to stderr.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { pino } from 'pino';
import { loadConfig } from '../../dist/src/config.js';
import { createWxoa } from '../../dist/src/server.js';
import { parseDatabaseUrl } from '../../dist/src/store/database-url.js';
import { migrate } from '../../dist/src/store/migrate.js';
import { migrations } from '../../dist/src/store/migrations/index.js';
import { openPostgresDb } from '../../dist/src/store/postgres-db.js';
import { createSqlStore } from '../../dist/src/store/sql-store.js';
import { openSqliteDb } from '../../dist/src/store/sqlite-db.js';
import { countingDb } from '../lib/counting-db.mjs';
import { BENCH } from '../lib/protocol.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wxoa-bench-'));
const configFile = path.join(dir, 'wxoa.config.json');
writeFileSync(
  configFile,
  JSON.stringify({ replies: { scenes: { [BENCH.scene]: { type: 'text', content: BENCH.replyText } } } }),
);

// WeChat's side in another process: its CPU is not wxoa's (the bench measures this process's CPU). A second
// instance of a pair (WXOA_BENCH_SIM_URL) shares the first one's, so both see the same access token.
const simChild = process.env.WXOA_BENCH_SIM_URL
  ? null
  : fork(path.join(import.meta.dirname, 'wechat-sim.mjs'), [], {
      execArgv: [], // not --cpu-prof: the profile is the server's
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
const sim = simChild
  ? await new Promise((resolve, reject) => {
      simChild.once('message', resolve);
      simChild.once('exit', (code) => reject(new Error(`WeChat simulator exited (${code})`)));
    })
  : { url: process.env.WXOA_BENCH_SIM_URL };
// The database: a temporary SQLite file, or WXOA_BENCH_DATABASE_URL (a PostgreSQL database the bench made).
const databaseUrl = process.env.WXOA_BENCH_DATABASE_URL || `sqlite:${path.join(dir, 'wxoa.db')}`;

const config = loadConfig(
  {
    PORT: '0',
    DATABASE_URL: databaseUrl,
    WECHAT_APPID: BENCH.appid,
    WECHAT_APPSECRET: 'benchsecret0000000000000000000000',
    WECHAT_TOKEN: BENCH.token,
    WECHAT_ENCODING_AES_KEY: BENCH.encodingAesKey,
    WECHAT_API_BASE: sim.url,
    WECHAT_OPEN_BASE: sim.url,
    ADMIN_TOKEN: BENCH.adminToken,
    WXOA_CONFIG: configFile,
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
  },
  dir,
);
const logger = pino({ level: config.logLevel }, pino.destination(2));
// The store as openStore builds it, over a Db that counts statements and round trips (bench/run.mjs reads
// them from WXOA_BENCH_COUNTS at the end and prints them per push).
const target = parseDatabaseUrl(databaseUrl);
const { db, counts } = countingDb(
  target.kind === 'sqlite' ? openSqliteDb(target.path) : openPostgresDb(target.connectionString, logger),
);
await migrate(db, migrations, logger);
const store = createSqlStore(db, { clock: Date.now, logger });
const wxoa = await createWxoa({ config, logger, store });
const url = await wxoa.listen(0, '127.0.0.1');
console.log(`SIM ${sim.url}`);
console.log(`LISTENING ${new URL(url).port}`);

let stopping = false;
process.on('SIGTERM', async () => {
  if (stopping) return;
  stopping = true;
  const writeCounts = () => {
    if (process.env.WXOA_BENCH_COUNTS) writeFileSync(process.env.WXOA_BENCH_COUNTS, JSON.stringify(counts));
  };
  const force = setTimeout(() => {
    writeCounts();
    process.exit(0);
  }, 2000);
  try {
    await wxoa.close();
    await store.close();
    simChild?.kill('SIGTERM');
  } finally {
    writeCounts();
    clearTimeout(force);
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
});
