import type { Follower, FollowerEvent } from '../../followers/follower.js';
import type { FollowerRepo } from '../../followers/follower-repo.js';
import type { ConversationMessage, MessageRepo } from '../../kf/message-repo.js';
import { MESSAGE_WINDOW_MS, replyWindow, type ReplyWindowState } from '../../kf/reply-window.js';
import { threadList, windowNotice, type ThreadItem } from './conversation-views.js';
import { html, type Html } from './html.js';

/** How many messages a conversation page shows: the newest, as a chat does; older ones a page further. */
export const THREAD_LIMIT = 100;

/** Everything a conversation panel shows about one follower. */
export interface ConversationData {
  follower: Follower | null;
  /** One page of messages, oldest first. */
  messages: ConversationMessage[];
  events: FollowerEvent[];
  /** Messages and the follows, scans and unfollows of the same span, in time order. */
  items: ThreadItem[];
  /** The cursor of the page of earlier messages, null when this page reaches the first. */
  earlier: string | null;
  window: ReplyWindowState;
}

/**
 * Reads one page of a follower's conversation (the newest, or the one `cursor` names), their follows and
 * scans in the same span, and WeChat's reply window as rebuilt from the last 48 hours (kf/reply-window.ts).
 * Throws InvalidCursorError for a cursor the store did not issue.
 */
export async function loadConversation(
  store: { followers: FollowerRepo; messages: MessageRepo },
  appid: string,
  openid: string,
  now: number,
  cursor?: string,
): Promise<ConversationData> {
  const windowStart = Math.floor((now - MESSAGE_WINDOW_MS) / 1000);
  const [follower, page, events, recent] = await Promise.all([
    store.followers.get(appid, openid),
    store.messages.page({ appid, openid, limit: THREAD_LIMIT, ...(cursor ? { cursor } : {}) }),
    store.followers.events(appid, openid),
    store.messages.since(appid, openid, windowStart),
  ]);
  const window = replyWindow({
    messages: recent,
    events: events.filter((e) => e.createTime >= windowStart),
    subscribed: follower ? follower.subscribed : null,
    now,
  });
  return {
    follower,
    messages: page.messages,
    events,
    items: mergeEvents(page.messages, events, {
      // The cursor holds the oldest message of the newer page: events from then on are shown there.
      until: page.newerFrom ?? Infinity,
      reachesFirst: page.nextCursor === null,
    }),
    earlier: page.nextCursor,
    window,
  };
}

/**
 * The follows, scans and unfollows of a page's span placed among its messages by time: from the page's first
 * message (or from the start, on the page that reaches the first message) until the newer page begins
 * (`until`, exclusive), so each event shows on exactly one page. An event comes before a message of the same
 * second: the welcome reply answers the follow.
 */
export function mergeEvents(
  messages: readonly ConversationMessage[],
  events: readonly FollowerEvent[],
  page: { until: number; reachesFirst: boolean },
): ThreadItem[] {
  const from = page.reachesFirst || messages.length === 0 ? -Infinity : messages[0]!.createTime;
  const shown = events.filter((e) => e.createTime >= from && e.createTime < page.until);
  const items: ThreadItem[] = [];
  let e = 0;
  for (const message of messages) {
    while (e < shown.length && shown[e]!.createTime <= message.createTime) items.push({ event: shown[e++]! });
    items.push({ message });
  }
  while (e < shown.length) items.push({ event: shown[e++]! });
  return items;
}

/** The live part of a conversation: the window notice and the messages. */
export function conversationPanel(data: ConversationData, now: number): Html {
  return html`${windowNotice(data.window, now)}${threadList(data.items)}`;
}
