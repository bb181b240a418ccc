/**
 * The README's example: wxoa's webhook and handlers inside your own Koa app. Run it with
 * `npx tsx examples/koa-app.ts` (WECHAT_APPID, WECHAT_TOKEN and optionally WECHAT_ENCODING_AES_KEY set),
 * then point the WeChat console at http://your-host:3000/wechat. In your project, import from 'wxoa'.
 */
import Koa from 'koa';
import Router from '@koa/router';
import { Bot, wechatWebhook } from '../src/index.js';

/** Builds the app; exported so the test drives exactly this code. */
export function createApp(account: { appid: string; token: string; encodingAesKey?: string }): Koa {
  const bot = new Bot();
  bot.scene('spring', (ctx) => ctx.reply('Welcome from the spring campaign!'));
  bot.hears(/^order\s+(\d+)$/, (ctx) => ctx.reply(`Looking up order ${ctx.match[1]}…`));
  bot.click('MENU_HELP', (ctx) =>
    ctx.reply({ type: 'news', articles: [{ title: 'Help', url: 'https://example.com/help' }] }),
  );
  bot.on('message:image', (ctx) => ctx.reply({ type: 'image', mediaId: ctx.message.MediaId }));

  const router = new Router();
  // Mounted before any body parser: the webhook reads the raw body itself.
  router.all('/wechat', wechatWebhook({ accounts: account, bot }));
  const app = new Koa();
  app.use(router.routes());
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { WECHAT_APPID = '', WECHAT_TOKEN = '', WECHAT_ENCODING_AES_KEY } = process.env;
  createApp({
    appid: WECHAT_APPID,
    token: WECHAT_TOKEN,
    ...(WECHAT_ENCODING_AES_KEY ? { encodingAesKey: WECHAT_ENCODING_AES_KEY } : {}),
  }).listen(3000);
}
