import { Composer } from '../bot/composer.js';
import type { Context } from '../bot/context.js';
import type { Logger } from '../logger.js';
import type { ComponentApi } from './component-api.js';

/** WeChat's release-check (全网发布) test account (INTERFACE.md §9, WECHAT-PROTOCOL.md §8). */
export const RELEASE_CHECK_APPID = 'wx570bc396a51b8ff8';

const TEXT = 'TESTCOMPONENT_MSG_TYPE_TEXT';
const QUERY_AUTH_CODE = 'QUERY_AUTH_CODE:';

/**
 * Answers WeChat's automated release check for the test account, before any other handler: the text
 * `TESTCOMPONENT_MSG_TYPE_TEXT` → `…_callback`; `QUERY_AUTH_CODE:$code` → `success` at once, then
 * `$code_from_api` as a customer-service text with the token `api_query_auth` returns for the code; an
 * event → `<Event>from_callback`. Pushes of every other account pass through.
 */
export function releaseCheckHandler(api: ComponentApi, logger: Logger): Composer<Context> {
  const composer = new Composer<Context>();
  composer.use(async (ctx, next) => {
    if (ctx.appid !== RELEASE_CHECK_APPID) return next();
    const m = ctx.message;
    if (m.MsgType === 'event') {
      ctx.reply(`${m.Event}from_callback`);
      return;
    }
    if (m.MsgType !== 'text') return;
    if (m.Content === TEXT) {
      ctx.reply(`${TEXT}_callback`);
      return;
    }
    if (m.Content.startsWith(QUERY_AUTH_CODE)) {
      const code = m.Content.slice(QUERY_AUTH_CODE.length);
      const openid = ctx.openid;
      // Answered `success` now (no reply); the message follows through the customer-service API.
      void (async () => {
        const auth = await api.queryAuth(code);
        await api.sendCustomText(auth.accessToken, openid, `${code}_from_api`);
      })().catch((err: unknown) => logger.error({ err }, 'release check: QUERY_AUTH_CODE answer failed'));
    }
  });
  return composer;
}
