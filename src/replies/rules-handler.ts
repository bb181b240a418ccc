import type { NextFunction } from '../bot/composer.js';
import type { Context } from '../bot/context.js';
import { matchReply, type ReplyTrigger } from './match-reply.js';
import type { ReplyRules } from './reply-rules.js';

/** User messages that have no keyword form but may get the `default` reply. */
const OTHER_MESSAGES = new Set(['image', 'voice', 'video', 'shortvideo', 'location', 'link']);

/** What in a push can trigger a configured reply; null for pushes rules never answer. */
export function replyTriggerOf(ctx: Pick<Context, 'message' | 'scene'>): ReplyTrigger | null {
  const m = ctx.message;
  if (m.MsgType === 'text') return { kind: 'text', content: m.Content };
  if (OTHER_MESSAGES.has(m.MsgType)) return { kind: 'message' };
  if (m.MsgType !== 'event') return null;
  if (m.Event === 'subscribe') return { kind: 'subscribe', scene: ctx.scene };
  if (m.Event === 'SCAN') return ctx.scene === null ? null : { kind: 'scan', scene: ctx.scene };
  if (m.Event === 'CLICK') return { kind: 'click', key: m.EventKey };
  return null;
}

/**
 * Bot middleware answering from the config file's reply rules (INTERFACE.md §2). It goes last: a code
 * handler that already replied wins, and one that did not call `next()` keeps the rules out.
 */
export function replyRulesHandler(rules: ReplyRules) {
  return async (ctx: Context, next: NextFunction): Promise<void> => {
    if (!ctx.replied) {
      const trigger = replyTriggerOf(ctx);
      const reply = trigger && matchReply(rules, trigger);
      if (reply) ctx.reply(reply);
    }
    await next();
  };
}
