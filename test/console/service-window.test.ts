import { expect } from 'chai';
import { EVENT_WINDOW_MS, MESSAGE_WINDOW_MS, serviceWindow } from '../../src/http/console/service-window.js';
import type { ConversationMessage, FollowerEvent } from '../../src/store/types.js';

const T = 1_700_000_000; // Unix seconds
const following = { subscribed: true, unsubscribeTime: null };
const text = (createTime: number): ConversationMessage => ({
  direction: 'in',
  type: 'text',
  content: 'hi',
  createTime,
  via: null,
});

describe('the reply window shown to operators', () => {
  it('stays open for 48 hours after the follower’s last message', () => {
    const state = serviceWindow({
      messages: [text(T)],
      events: [],
      follower: following,
      now: T * 1000 + 1000,
    });
    expect(state).to.deep.equal({ open: true, closesAt: T * 1000 + MESSAGE_WINDOW_MS, opener: 'message' });
    const later = serviceWindow({
      messages: [text(T)],
      events: [],
      follower: following,
      now: T * 1000 + MESSAGE_WINDOW_MS,
    });
    expect(later).to.deep.equal({ open: false, closedAt: T * 1000 + MESSAGE_WINDOW_MS, reason: 'expired' });
  });

  it('opens only a minute for a click, follow or scan, and our own messages open nothing', () => {
    const click: ConversationMessage = {
      direction: 'in',
      type: 'event:CLICK',
      content: 'K',
      createTime: T,
      via: null,
    };
    const out: ConversationMessage = {
      direction: 'out',
      type: 'text',
      content: 'x',
      createTime: T + 30,
      via: 'operator',
    };
    const follow: FollowerEvent = { type: 'subscribe', scene: null, createTime: T + 10 };
    const state = serviceWindow({
      messages: [click, out],
      events: [follow],
      follower: following,
      now: T * 1000,
    });
    expect(state).to.deep.equal({ open: true, closesAt: (T + 10) * 1000 + EVENT_WINDOW_MS, opener: 'event' });
    const gone = serviceWindow({
      messages: [click, out],
      events: [follow],
      follower: following,
      now: (T + 71) * 1000,
    });
    expect(gone).to.include({ open: false, reason: 'expired' });
  });

  it('is closed for someone who unfollowed, whatever they wrote', () => {
    const state = serviceWindow({
      messages: [text(T)],
      events: [],
      follower: { subscribed: false, unsubscribeTime: T + 5 },
      now: T * 1000 + 10_000,
    });
    expect(state).to.deep.equal({ open: false, closedAt: (T + 5) * 1000, reason: 'unfollowed' });
  });

  it('is closed for a follower who never wrote', () => {
    expect(serviceWindow({ messages: [], events: [], follower: following, now: T * 1000 })).to.deep.equal({
      open: false,
      closedAt: null,
      reason: 'never',
    });
  });
});
