#!/usr/bin/env node
/**
 * bench/micro.mjs — in-process cost of the webhook's pieces, no HTTP: µs per push of handlePush (plain and
 * safe mode, distinct pushes) and of its steps. CPU time per operation is steadier than req/s on a busy
 * host. Run after `npm run build`: node bench/micro.mjs [--ms 300]
 */
import { Bot } from '../dist/src/bot/bot.js';
import { createWebhookHandler } from '../dist/src/bot/webhook-handler.js';
import { ServerMetrics } from '../dist/src/http/metrics.js';
import {
  MessageCrypto,
  parseEnvelope,
  parseInbound,
  renderEncryptedEnvelope,
  renderReply,
  verifyPush,
  dedupKey,
} from '../dist/src/wire/index.js';
import { BENCH, buildPush, subscribeXml } from './lib/protocol.mjs';

const ms = Number(process.argv[process.argv.indexOf('--ms') + 1]) || 300;
const N = 60_000;
const now = Math.floor(Date.now() / 1000);

function pool(mode) {
  return Array.from({ length: N }, (_, i) => {
    const p = buildPush(mode, i, now);
    const query = Object.fromEntries(new URL('http://x' + p.path).searchParams);
    return { query, body: p.body };
  });
}

/** Best of 5 rounds of `ms` each: µs per call of fn(i). */
async function measure(name, fn) {
  let i = 0;
  const rounds = [];
  for (let r = 0; r < 6; r++) {
    const t0 = process.hrtime.bigint();
    const deadline = Date.now() + ms;
    let n = 0;
    while (Date.now() < deadline) {
      for (let k = 0; k < 200; k++) await fn(i++ % N);
      n += 200;
    }
    rounds.push(Number(process.hrtime.bigint() - t0) / 1000 / n);
  }
  rounds.shift(); // warm-up round
  rounds.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(44)} ${rounds[0].toFixed(2).padStart(7)} µs best  ${rounds[2].toFixed(2).padStart(7)} µs median`,
  );
}

const bot = new Bot();
bot.scene(BENCH.scene, (ctx) => {
  if (ctx.message.Event === 'subscribe') ctx.reply('Welcome!');
});
const account = { appid: BENCH.appid, token: BENCH.token, encodingAesKey: BENCH.encodingAesKey };

for (const mode of ['plain', 'aes']) {
  const pushes = pool(mode);
  // A fresh handler per mode: every push in the pool is new to its reply store on the first pass.
  const handler = createWebhookHandler({ accounts: account, bot, timestampToleranceSeconds: 0 });
  let n = 0;
  await measure(`handlePush ${mode} (distinct pushes)`, (i) =>
    handler.handlePush(pushes[(n++ * 7919 + i) % N]),
  );
  // The same with /metrics on (issue 11: at most 3 % of throughput): the webhook's observer counting.
  const metrics = newMetrics();
  const observed = createWebhookHandler({
    accounts: account,
    bot,
    timestampToleranceSeconds: 0,
    observer: metrics.webhookObserver,
  });
  n = 0;
  await measure(`handlePush ${mode} (distinct, with metrics)`, (i) =>
    observed.handlePush(pushes[(n++ * 7919 + i) % N]),
  );
}

function newMetrics() {
  return new ServerMetrics({
    appids: [BENCH.appid],
    pendingEnrichment: async () => 0,
    processMetrics: false,
  });
}

const crypto = new MessageCrypto(BENCH.encodingAesKey, BENCH.appid);
const xml = subscribeXml('oBench0000000000000000000001', now);
const aes = pool('aes');
const plain = pool('plain');
await measure('verifyPush plain (sha1)', (i) =>
  verifyPush({ token: BENCH.token, query: plain[i].query, nowSeconds: now, toleranceSeconds: 300 }),
);
await measure('parseInbound subscribe', () => parseInbound(xml));
await measure('parseEnvelope safe', (i) => parseEnvelope(aes[i].body));
await measure('decrypt', (i) => crypto.decrypt(parseEnvelope(aes[i].body).Encrypt));
const m = parseInbound(xml);
await measure('dedupKey', () => dedupKey(m));
const header = { ToUserName: 'o', FromUserName: 'gh', CreateTime: now };
await measure('renderReply text', () => renderReply({ type: 'text', content: 'Welcome!' }, header, 'event'));
const inner = renderReply({ type: 'text', content: 'Welcome!' }, header, 'event');
await measure('renderEncryptedEnvelope', () =>
  renderEncryptedEnvelope(crypto, BENCH.token, inner, now, '123'),
);
await measure('bot.handle (dispatch only)', () => bot.handle(m));
// What /metrics adds to a push outside handlePush: the push counter, two histograms (handler, push).
const observer = newMetrics().webhookObserver;
await measure('metrics: one push counted and timed', () => {
  observer.handled(BENCH.appid, m, 'reply', 0.3);
  observer.answered(undefined, 0.5);
});
