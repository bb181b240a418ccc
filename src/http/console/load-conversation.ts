import type { Follower, FollowerEvent } from '../../followers/follower.js';
import type { FollowerRepo } from '../../followers/follower-repo.js';
import type { ConversationMessage, MessageRepo } from '../../kf/message-repo.js';
import { threadList, windowNotice } from './conversation-views.js';
import { html, type Html } from './html.js';
import { serviceWindow, type ServiceWindowState } from './service-window.js';

/** How many messages a conversation page shows: the newest, as a chat does. */
export const THREAD_LIMIT = 200;

/** Everything a conversation panel shows about one follower. */
export interface ConversationData {
  follower: Follower | null;
  messages: ConversationMessage[];
  events: FollowerEvent[];
  window: ServiceWindowState;
}

/** Reads one follower's conversation, history and reply window. */
export async function loadConversation(
  store: { followers: FollowerRepo; messages: MessageRepo },
  appid: string,
  openid: string,
  now: number,
): Promise<ConversationData> {
  const [follower, messages, events] = await Promise.all([
    store.followers.get(appid, openid),
    store.messages.list(appid, openid, THREAD_LIMIT),
    store.followers.events(appid, openid),
  ]);
  return { follower, messages, events, window: serviceWindow({ messages, events, follower, now }) };
}

/** The live part of a conversation: the window notice and the messages. */
export function conversationPanel(data: ConversationData, now: number): Html {
  return html`${windowNotice(data.window, now)}${threadList(data.messages)}`;
}
