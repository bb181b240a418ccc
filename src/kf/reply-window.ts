import type { FollowerEvent } from '../followers/follower.js';
import type { ConversationMessage } from './message-repo.js';

/**
 * WeChat's customer-service window (WECHAT-PROTOCOL.md §6.7), rebuilt from what wxoa recorded:
 * - a message from the follower allows {@link MESSAGE_WINDOW_QUOTA} messages within 48 hours;
 * - a follow, a QR scan or a menu click (click, scancode_push, scancode_waitmsg) allows
 *   {@link EVENT_WINDOW_QUOTA} within 1 minute;
 * - a new interaction of a kind starts that kind's allowance afresh; an unfollow ends every allowance, so
 *   messages from before it open nothing after a re-follow;
 * - each customer-service message (an operator's, or a late reply) uses one message of the open allowance
 *   that ends first; passive replies to a push use none. Past the time: 45015; quota used up: 45047.
 * The simulator (src/simulator/service-window.ts) applies the same rules; test/kf/reply-window.test.ts
 * holds the two to agreement. WeChat stays the authority: this is what the operator sees before sending.
 */
export const MESSAGE_WINDOW_MS = 48 * 3_600_000;
export const MESSAGE_WINDOW_QUOTA = 5;
export const EVENT_WINDOW_MS = 60_000;
export const EVENT_WINDOW_QUOTA = 3;

/** One kind of allowance while open; times are Unix milliseconds. */
export interface Allowance {
  kind: 'message' | 'event';
  closesAt: number;
  remaining: number;
  quota: number;
}

/** Whether a customer-service message can go out now, and how many. */
export type ReplyWindowState =
  | {
      open: true;
      /** Open allowances with messages left, the one used first (that ends first) first. */
      allowances: Allowance[];
      /** Messages that can still be sent (the sum of the allowances). */
      remaining: number;
      /** When the last allowance ends. */
      closesAt: number;
    }
  | {
      open: false;
      /**
       * never: no interaction to answer; expired: the time ran out; unfollowed: the follower left (or left
       * after the interaction); quota: the time is not over but every message of it was sent.
       */
      reason: 'never' | 'expired' | 'unfollowed' | 'quota';
      /** When it closed (Unix ms), null when unknown or never opened. */
      closedAt: number | null;
      /** For `quota`: when the time would have ended. */
      until?: number;
    };

/** The records the window is rebuilt from. Messages and events in any order; times are Unix seconds. */
export interface ReplyWindowInput {
  /** At least the messages of the last 48 hours (MessageRepo.since). */
  messages: readonly ConversationMessage[];
  events: readonly FollowerEvent[];
  /** Whether the follower follows now (null: unknown to the store; then the events decide). */
  subscribed: boolean | null;
  /** Unix ms. */
  now: number;
}

type Step =
  | { at: number; order: number; kind: 'message' | 'event' }
  | { at: number; order: number; kind: 'close' }
  | { at: number; order: number; kind: 'send' };

/** The window as WeChat would apply it at `now`. */
export function replyWindow(input: ReplyWindowInput): ReplyWindowState {
  const steps: Step[] = [];
  let order = 0;
  for (const e of input.events) {
    if (e.type === 'unsubscribe') steps.push({ at: e.createTime * 1000, order: order++, kind: 'close' });
    else if (e.type === 'subscribe' || e.type === 'scan') {
      steps.push({ at: e.createTime * 1000, order: order++, kind: 'event' });
    }
  }
  for (const m of input.messages) {
    const at = m.createTime * 1000;
    if (m.direction === 'in') {
      // A menu click is recorded in the conversation but opens only the short window.
      steps.push({ at, order: order++, kind: m.type.startsWith('event:') ? 'event' : 'message' });
    } else if (m.via === 'operator' || m.via === 'late') {
      // Sent through message/custom/send: it used one message of the window. Passive replies did not.
      steps.push({ at, order: order++, kind: 'send' });
    }
  }
  // In one second (CreateTime's unit) the follower's interaction came before the answer to it.
  steps.sort((a, b) => a.at - b.at || rank(a) - rank(b) || a.order - b.order);

  let message: Allowance | undefined;
  let event: Allowance | undefined;
  let closedByUnfollow: number | null = null;
  let lastSend: number | null = null;
  for (const step of steps) {
    if (step.at > input.now) break;
    if (step.kind === 'message') {
      message = allowance('message', step.at);
      closedByUnfollow = null;
    } else if (step.kind === 'event') {
      event = allowance('event', step.at);
      closedByUnfollow = null;
    } else if (step.kind === 'close') {
      message = event = undefined;
      closedByUnfollow = step.at;
    } else {
      lastSend = step.at;
      // As WeChat: from the open allowance that ends first and still has messages.
      const usable = [message, event]
        .filter((a): a is Allowance => a !== undefined && step.at < a.closesAt && a.remaining > 0)
        .sort((a, b) => a.closesAt - b.closesAt)[0];
      if (usable) usable.remaining--;
    }
  }

  if (input.subscribed === false || closedByUnfollow !== null) {
    return { open: false, reason: 'unfollowed', closedAt: closedByUnfollow };
  }
  const open = [message, event].filter((a): a is Allowance => a !== undefined && input.now < a.closesAt);
  const usable = open.filter((a) => a.remaining > 0).sort((a, b) => a.closesAt - b.closesAt);
  if (usable.length > 0) {
    return {
      open: true,
      allowances: usable.map((a) => ({ ...a })),
      remaining: usable.reduce((n, a) => n + a.remaining, 0),
      closesAt: Math.max(...usable.map((a) => a.closesAt)),
    };
  }
  if (open.length > 0) {
    return {
      open: false,
      reason: 'quota',
      closedAt: lastSend,
      until: Math.max(...open.map((a) => a.closesAt)),
    };
  }
  const ended = [message, event].filter((a): a is Allowance => a !== undefined);
  if (ended.length === 0) return { open: false, reason: 'never', closedAt: null };
  return { open: false, reason: 'expired', closedAt: Math.max(...ended.map((a) => a.closesAt)) };
}

function allowance(kind: 'message' | 'event', at: number): Allowance {
  return kind === 'message'
    ? { kind, closesAt: at + MESSAGE_WINDOW_MS, remaining: MESSAGE_WINDOW_QUOTA, quota: MESSAGE_WINDOW_QUOTA }
    : { kind, closesAt: at + EVENT_WINDOW_MS, remaining: EVENT_WINDOW_QUOTA, quota: EVENT_WINDOW_QUOTA };
}

function rank(step: Step): number {
  return step.kind === 'send' ? 1 : 0;
}
