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
import { BENCH } from '../lib/protocol.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wxoa-bench-'));
const configFile = path.join(dir, 'wxoa.config.json');
writeFileSync(
  configFile,
  JSON.stringify({ replies: { scenes: { [BENCH.scene]: { type: 'text', content: BENCH.replyText } } } }),
);

// WeChat's side in another process: its CPU is not wxoa's (the bench measures this process's CPU).
const simChild = fork(path.join(import.meta.dirname, 'wechat-sim.mjs'), [], {
  execArgv: [], // not --cpu-prof: the profile is the server's
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
});
const sim = await new Promise((resolve, reject) => {
  simChild.once('message', resolve);
  simChild.once('exit', (code) => reject(new Error(`WeChat simulator exited (${code})`)));
});

const config = loadConfig(
  {
    PORT: '0',
    DATABASE_URL: `sqlite:${path.join(dir, 'wxoa.db')}`,
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
const wxoa = await createWxoa({ config, logger });
const url = await wxoa.listen(0, '127.0.0.1');
console.log(`LISTENING ${new URL(url).port}`);

let stopping = false;
process.on('SIGTERM', async () => {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(0), 2000);
  try {
    await wxoa.close();
    simChild.kill('SIGTERM');
  } finally {
    clearTimeout(force);
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
});
