import type { NextFunction } from '../bot/composer.js';
import type { Context } from '../bot/context.js';
import type { FollowerEventInput, FollowerEventType } from './follower.js';
import type { FollowerRepo } from './follower-repo.js';
import type { EnrichmentWorker } from './enrichment.js';

/** Options of {@link captureFollowers}. */
export interface FollowerCaptureOptions {
  followers: Pick<FollowerRepo, 'recordEvent'>;
  /** Nudged after each newly stored event (not for a retried delivery); its nudge is synchronous and cheap. */
  enrichment?: Pick<EnrichmentWorker, 'nudge'>;
  /** Waits between attempts to store an event when the database fails; default [50, 250] (three attempts). */
  retryDelaysMs?: readonly number[];
}

/**
 * Bot middleware that turns follow, scan and unfollow events into follower rows and history
 * (INTERFACE.md §4): register it with `bot.use(...)` before the reply handlers.
 *
 * The event is written (awaited) before `next()`, so it is durable before any reply leaves. The push's
 * dedup key makes the write happen once however many times WeChat delivers it, on however many instances.
 * No WeChat API call happens here: the store queues the follower for enrichment and this nudges the worker.
 *
 * A database failure is retried briefly; if it persists, the event is logged with everything needed to
 * replay it and the reply handlers still run. Throwing would not save it: the webhook answers a failed
 * handler with `success` and remembers that answer, so WeChat would not redeliver, and the follower would
 * lose the welcome too. The periodic sync reconciles the follower list afterwards.
 */
export function captureFollowers(options: FollowerCaptureOptions) {
  const { followers, enrichment } = options;
  const delays = options.retryDelaysMs ?? [50, 250];
  return async (ctx: Context, next: NextFunction): Promise<void> => {
    const event = followerEvent(ctx);
    if (event) {
      for (let attempt = 0; ; attempt++) {
        try {
          if (await followers.recordEvent(event)) enrichment?.nudge();
          break;
        } catch (err) {
          const delay = delays[attempt];
          if (delay === undefined) {
            ctx.log.error(
              { err, followerEvent: event },
              'could not store follower event; the next sync reconciles it',
            );
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    }
    await next();
  };
}

/** The follower event a push carries (subscribe, SCAN, unsubscribe), or null for anything else. */
export function followerEvent(
  ctx: Pick<Context, 'appid' | 'dedupKey' | 'message' | 'scene'>,
): FollowerEventInput | null {
  const m = ctx.message;
  if (m.MsgType !== 'event') return null;
  let type: FollowerEventType;
  let ticket: string | undefined;
  switch (m.Event) {
    case 'subscribe':
      type = 'subscribe';
      ticket = m.Ticket;
      break;
    case 'SCAN':
      type = 'scan';
      ticket = m.Ticket;
      break;
    case 'unsubscribe':
      type = 'unsubscribe';
      break;
    default:
      return null;
  }
  return {
    appid: ctx.appid,
    openid: m.FromUserName,
    type,
    // X of qrscene_X on a subscribe (null for a plain follow), the EventKey of a SCAN (§3.3).
    scene: ctx.scene,
    ticket: ticket ? ticket : null,
    createTime: m.CreateTime,
    dedupKey: ctx.dedupKey,
  };
}
