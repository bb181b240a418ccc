/**
 * wxoa's webhook as a deployment mounts it: a Koa app, @koa/router on /wechat and /wechat/:appid, the
 * webhook middleware with its defaults (in-memory reply store, 4 s budget, 300 s timestamp window). Built
 * code (dist/), so run `npm run build` first.
 */
import { Router } from '@koa/router';
import Koa from 'koa';
import { Bot } from '../../dist/src/bot/bot.js';
import { ServerMetrics } from '../../dist/src/http/metrics.js';
import { wechatWebhook } from '../../dist/src/http/webhook-middleware.js';
import { BENCH } from '../lib/protocol.mjs';

const bot = new Bot();
bot.scene(BENCH.scene, (ctx) => {
  if (ctx.message.Event === 'subscribe') ctx.reply('Welcome!');
});

// WXOA_BENCH_METRICS=1 (target wxoa-metrics): the server's metrics observer on, and GET /metrics served.
const metrics =
  process.env.WXOA_BENCH_METRICS === '1'
    ? new ServerMetrics({ appids: [BENCH.appid], pendingEnrichment: async () => 0 })
    : undefined;
const webhook = wechatWebhook({
  accounts: { appid: BENCH.appid, token: BENCH.token, encodingAesKey: BENCH.encodingAesKey },
  bot,
  observer: metrics?.webhookObserver,
});
const app = new Koa();
if (process.env.WXOA_BENCH_MOUNT === 'app') {
  // Without the router: what @koa/router costs per request is the difference to the default mount.
  app.use((ctx, next) => (ctx.path === BENCH.path ? webhook(ctx, next) : next()));
} else {
  const router = new Router();
  if (metrics) router.get('/metrics', metrics.middleware());
  router.all('/wechat', webhook);
  router.all('/wechat/:appid', webhook);
  app.use(router.routes());
}
const server = app.listen(Number(process.env.PORT) || 0, '127.0.0.1', () =>
  console.log(`LISTENING ${server.address().port}`),
);
process.on('SIGTERM', () => process.exit(0));
