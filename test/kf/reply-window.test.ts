import { expect } from 'chai';
import {
  EVENT_WINDOW_MS,
  MESSAGE_WINDOW_MS,
  replyWindow,
  type ReplyWindowInput,
} from '../../src/kf/reply-window.js';
import { ServiceWindow } from '../../src/simulator/service-window.js';
import type { ConversationMessage, FollowerEvent } from '../../src/store/types.js';

const T = 1_700_000_000; // Unix seconds
const text = (createTime: number): ConversationMessage => ({
  direction: 'in',
  type: 'text',
  content: 'hi',
  createTime,
  via: null,
});
const click = (createTime: number): ConversationMessage => ({
  direction: 'in',
  type: 'event:CLICK',
  content: 'K',
  createTime,
  via: null,
});
const sent = (createTime: number, via = 'operator'): ConversationMessage => ({
  direction: 'out',
  type: 'text',
  content: 'answer',
  createTime,
  via,
});
const event = (type: FollowerEvent['type'], createTime: number): FollowerEvent => ({
  type,
  scene: null,
  createTime,
});

function at(seconds: number, input: Partial<ReplyWindowInput>) {
  return replyWindow({ messages: [], events: [], subscribed: true, now: seconds * 1000, ...input });
}

describe('the reply window as WeChat applies it (protocol §6.7)', () => {
  it('opens 5 messages for 48 hours after the follower’s message, and says how many are left', () => {
    const state = at(T + 10, { messages: [text(T), sent(T + 1), sent(T + 2)] });
    expect(state).to.deep.equal({
      open: true,
      allowances: [{ kind: 'message', closesAt: T * 1000 + MESSAGE_WINDOW_MS, remaining: 3, quota: 5 }],
      remaining: 3,
      closesAt: T * 1000 + MESSAGE_WINDOW_MS,
    });
    expect(at(T + MESSAGE_WINDOW_MS / 1000, { messages: [text(T)] })).to.deep.equal({
      open: false,
      reason: 'expired',
      closedAt: T * 1000 + MESSAGE_WINDOW_MS,
    });
  });

  it('is used up after 5 customer-service messages (45047), passive replies not counted', () => {
    const messages = [text(T), sent(T, 'passive'), ...[1, 2, 3, 4, 5].map((n) => sent(T + n))];
    expect(at(T + 60, { messages })).to.deep.equal({
      open: false,
      reason: 'quota',
      closedAt: (T + 5) * 1000,
      until: T * 1000 + MESSAGE_WINDOW_MS,
    });
    // A new message from the follower gives 5 again.
    expect(at(T + 70, { messages: [...messages, text(T + 65)] })).to.include({ open: true, remaining: 5 });
  });

  it('opens only 3 messages for a minute after a click, follow or scan', () => {
    for (const input of [
      { messages: [click(T)] },
      { events: [event('subscribe', T)] },
      { events: [event('scan', T)] },
    ]) {
      expect(at(T + 30, input)).to.deep.include({
        open: true,
        remaining: 3,
        closesAt: T * 1000 + EVENT_WINDOW_MS,
      });
      expect(at(T + 60, input)).to.include({ open: false, reason: 'expired' });
    }
  });

  it('forgets messages from before an unfollow: a re-follow opens one minute, then 45015', () => {
    const messages = [text(T)];
    const events = [event('subscribe', T - 100), event('unsubscribe', T + 100), event('subscribe', T + 200)];
    expect(at(T + 230, { messages, events })).to.deep.include({ open: true, remaining: 3 });
    expect(at(T + 230, { messages, events }).open && at(T + 230, { messages, events })).to.deep.include({
      closesAt: (T + 200) * 1000 + EVENT_WINDOW_MS,
    });
    expect(at(T + 3600, { messages, events })).to.include({ open: false, reason: 'expired' });
    expect(at(T + 150, { messages, events: events.slice(0, 2), subscribed: false })).to.deep.equal({
      open: false,
      reason: 'unfollowed',
      closedAt: (T + 100) * 1000,
    });
  });

  it('takes from the allowance that ends first, as WeChat does', () => {
    // A message (5 for 48 h), then a click (3 for 1 min): the first three sends use the click's.
    const messages = [text(T), click(T + 1), sent(T + 2), sent(T + 3), sent(T + 4), sent(T + 5)];
    const state = at(T + 10, { messages });
    expect(state).to.include({ open: true, remaining: 4 });
    expect(at(T + 120, { messages })).to.deep.include({ remaining: 4 });
  });

  it('says never for a follower who has not interacted', () => {
    expect(at(T, {})).to.deep.equal({ open: false, reason: 'never', closedAt: null });
  });

  it('agrees with the simulator’s window on 300 seeded random days of a follower', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let run = 0; run < 300; run++) {
      const sim = new ServiceWindow();
      const messages: ConversationMessage[] = [];
      const events: FollowerEvent[] = [];
      let subscribed = true;
      let now = T;
      for (let step = 0; step < 25; step++) {
        now += [1, 20, 50, 90, 3600, 40 * 3600][Math.floor(random() * 6)]!;
        const ms = now * 1000;
        const predicted = replyWindow({ messages, events, subscribed, now: ms });
        const roll = random();
        if (roll < 0.5) {
          // An operator tries to send: the simulator decides, the model must have predicted it.
          let accepted = true;
          try {
            sim.consume(ms);
          } catch {
            accepted = false;
          }
          expect(predicted.open, `run ${run} step ${step}`).to.equal(accepted);
          if (accepted) messages.push(sent(now));
        } else if (roll < 0.7) {
          if (subscribed) {
            sim.onMessage(ms);
            messages.push(text(now));
          }
        } else if (roll < 0.8) {
          if (subscribed) {
            sim.onEvent(ms);
            messages.push(click(now));
          }
        } else if (roll < 0.9) {
          sim.onEvent(ms);
          events.push(event(subscribed ? 'scan' : 'subscribe', now));
          subscribed = true;
        } else if (subscribed) {
          sim.close();
          events.push(event('unsubscribe', now));
          subscribed = false;
        }
      }
    }
  });
});
