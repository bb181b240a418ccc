import { silentLogger, type Logger } from '../logger.js';
import { dedupKey, type InboundMessage } from '../wire/index.js';
import type { Reply } from '../wire/reply-types.js';
import { Composer } from './composer.js';
import type { Context } from './context.js';
import { dispatch } from './dispatch.js';

/** Options of `Bot.handle`. */
export interface HandleOptions {
  /** AppID the push is for; default `wx_local`. */
  appid?: string;
  logger?: Logger;
  /** Unix milliseconds; default `Date.now`. */
  clock?: () => number;
  /** Milliseconds before the push counts as answered without a reply; default 4000. */
  budgetMs?: number;
}

/** What the handlers answered to one push. */
export interface HandleResult {
  /** The passive reply, or null for none (the webhook answers `success`). */
  reply: Reply | null;
  /** The reply as WeChat's XML, or null. */
  xml: string | null;
  /** Set when a handler threw before replying. */
  error?: unknown;
}

/**
 * The root composer: register handlers on it, then pass it to the webhook (`createWebhookHandler`,
 * `wechatWebhook`). `handle()` runs one already-parsed push without HTTP (the simulator, scripts, tests).
 */
export class Bot extends Composer<Context> {
  /** Runs one push through the handlers and waits for the whole chain to finish. */
  async handle(message: InboundMessage, options: HandleOptions = {}): Promise<HandleResult> {
    let late: { reply: Reply; xml: string } | null = null;
    const { outcome, done } = dispatch(this.middleware(), message, {
      appid: options.appid ?? 'wx_local',
      dedupKey: dedupKey(message),
      logger: options.logger ?? silentLogger,
      clock: options.clock ?? Date.now,
      budgetMs: options.budgetMs ?? 4000,
      onLateReply: (reply, xml) => {
        late = { reply, xml };
      },
    });
    const result = await outcome;
    await done;
    if (result.kind === 'reply') return { reply: result.reply, xml: result.xml };
    if (result.kind === 'error' || result.kind === 'unhandled') {
      return { reply: null, xml: null, error: result.error };
    }
    const made = late as { reply: Reply; xml: string } | null;
    return made === null ? { reply: null, xml: null } : made;
  }
}
