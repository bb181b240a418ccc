import { Composer } from '../bot/composer.js';
import type { Context } from '../bot/context.js';
import { PushNotHandledError } from '../bot/push-effects.js';
import type { FilterQuery } from '../bot/filter-queries.js';
import { filterName, type FilterName } from '../wire/filter-name.js';
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
 * A database failure is retried briefly; if it persists, this throws a `PushNotHandledError`: the webhook
 * then answers with an error and releases its claim, so WeChat delivers the push again (INTERFACE.md §3:
 * `200` means handled) and the reply handlers run on that delivery.
 */
export function captureFollowers(options: FollowerCaptureOptions): Composer<Context> {
  const { followers, enrichment } = options;
  const delays = options.retryDelaysMs ?? [50, 250];
  const capture = new Composer<Context>();
  capture.on(FOLLOWER_PUSHES, async (ctx, next): Promise<void> => {
    const event = followerEvent(ctx);
    if (event) {
      for (let attempt = 0; ; attempt++) {
        try {
          if (await followers.recordEvent(event)) enrichment?.nudge();
          break;
        } catch (err) {
          const delay = delays[attempt];
          if (delay === undefined) {
            throw new PushNotHandledError('could not store the follower event', { cause: err });
          }
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    }
    await next();
  });
  return capture;
}

/**
 * The pushes that are follower history, each with the type it is stored as: the one table that both selects
 * what capture sees (the composer's `on()`) and names the event, so a kind is in both or in neither.
 */
export const FOLLOWER_EVENT_TYPES = {
  'event:subscribe': 'subscribe',
  'event:scan': 'scan',
  'event:unsubscribe': 'unsubscribe',
} as const satisfies Partial<Record<FilterQuery, FollowerEventType>>;

const FOLLOWER_PUSHES = Object.keys(FOLLOWER_EVENT_TYPES) as Array<keyof typeof FOLLOWER_EVENT_TYPES>;
const EVENT_TYPE_OF: Partial<Record<FilterName, FollowerEventType>> = FOLLOWER_EVENT_TYPES;

/** The follower event a push carries (subscribe, SCAN, unsubscribe), or null for anything else. */
export function followerEvent(
  ctx: Pick<Context, 'appid' | 'dedupKey' | 'message' | 'scene'>,
): FollowerEventInput | null {
  const m = ctx.message;
  const type = EVENT_TYPE_OF[filterName(m)];
  if (type === undefined) return null;
  // A follow through a QR code and a SCAN carry the code's Ticket; an unfollow has none.
  const ticket = 'Ticket' in m ? m.Ticket : undefined;
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
