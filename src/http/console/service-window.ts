import type { Follower, FollowerEvent } from '../../followers/follower.js';
import type { ConversationMessage } from '../../kf/message-repo.js';

/** WeChat's customer-service window after a follower's message (WECHAT-PROTOCOL.md §6.7). */
export const MESSAGE_WINDOW_MS = 48 * 3_600_000;

/** The shorter window a menu click, a follow or a scan opens (WECHAT-PROTOCOL.md §6.7). */
export const EVENT_WINDOW_MS = 60_000;

/** Whether an operator can message a follower now, and until when; times are Unix milliseconds. */
export type ServiceWindowState =
  | { open: true; closesAt: number; opener: 'message' | 'event' }
  | { open: false; closedAt: number | null; reason: 'expired' | 'unfollowed' | 'never' };

/**
 * WeChat's window for customer-service messages, as far as our records tell: 48 hours after the follower's
 * last message, 1 minute after their last click, follow or scan, closed by an unfollow. It is shown so the
 * operator knows before typing; WeChat's 45015 stays the authority (the reply form reports it).
 */
export function serviceWindow(input: {
  messages: readonly ConversationMessage[];
  events: readonly FollowerEvent[];
  follower: Pick<Follower, 'subscribed' | 'unsubscribeTime'> | null;
  now: number;
}): ServiceWindowState {
  const { messages, events, follower, now } = input;
  let closesAt: number | null = null;
  let opener: 'message' | 'event' = 'message';
  const consider = (at: number, kind: 'message' | 'event') => {
    if (closesAt === null || at > closesAt) {
      closesAt = at;
      opener = kind;
    }
  };
  for (const m of messages) {
    if (m.direction !== 'in') continue;
    // A click is recorded in the conversation but opens only the short window.
    if (m.type.startsWith('event:')) consider(m.createTime * 1000 + EVENT_WINDOW_MS, 'event');
    else consider(m.createTime * 1000 + MESSAGE_WINDOW_MS, 'message');
  }
  for (const e of events) {
    if (e.type === 'subscribe' || e.type === 'scan') consider(e.createTime * 1000 + EVENT_WINDOW_MS, 'event');
  }
  if (follower && !follower.subscribed) {
    return {
      open: false,
      closedAt: follower.unsubscribeTime === null ? null : follower.unsubscribeTime * 1000,
      reason: 'unfollowed',
    };
  }
  const end = closesAt as number | null;
  if (end === null) return { open: false, closedAt: null, reason: 'never' };
  if (now < end) return { open: true, closesAt: end, opener };
  return { open: false, closedAt: end, reason: 'expired' };
}
