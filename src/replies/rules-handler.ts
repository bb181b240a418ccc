import { Composer, type NextFunction } from '../bot/composer.js';
import type { Context } from '../bot/context.js';
import type { FilterQuery } from '../bot/filter-queries.js';
import { matchReply, type ReplyTrigger } from './match-reply.js';
import type { ReplyRules } from './reply-rules.js';

/** User messages that have no keyword form but may get the `default` reply. */
const OTHER_MESSAGES = [
  'message:image',
  'message:voice',
  'message:video',
  'message:shortvideo',
  'message:location',
  'message:link',
] as const satisfies readonly FilterQuery[];

/**
 * Bot middleware answering from the config file's reply rules (INTERFACE.md §2). It goes last: a code
 * handler that already replied wins, and one that did not call `next()` keeps the rules out. Each push kind
 * rules can answer is selected with the composer's filter queries, and reduced to a {@link ReplyTrigger}.
 */
export function replyRulesHandler(rules: ReplyRules): Composer<Context> {
  const answer = (ctx: Context, next: NextFunction, trigger: ReplyTrigger | null): Promise<void> => {
    if (!ctx.replied) {
      const reply = trigger && matchReply(rules, trigger);
      if (reply) ctx.reply(reply);
    }
    return next();
  };
  const handler = new Composer<Context>();
  handler.on('message:text', (ctx, next) =>
    answer(ctx, next, { kind: 'text', content: ctx.message.Content }),
  );
  handler.on(OTHER_MESSAGES, (ctx, next) => answer(ctx, next, { kind: 'message' }));
  handler.on('event:subscribe', (ctx, next) => answer(ctx, next, { kind: 'subscribe', scene: ctx.scene }));
  // A SCAN without a scene is not one a rule can name.
  handler.on('event:scan', (ctx, next) =>
    answer(ctx, next, ctx.scene === null ? null : { kind: 'scan', scene: ctx.scene }),
  );
  handler.on('event:click', (ctx, next) => answer(ctx, next, { kind: 'click', key: ctx.message.EventKey }));
  return handler;
}
