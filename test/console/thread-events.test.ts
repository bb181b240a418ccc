import { expect } from 'chai';
import { threadList, type ThreadItem } from '../../src/http/console/conversation-views.js';
import { mergeEvents } from '../../src/http/console/load-conversation.js';
import type { ConversationMessage, FollowerEvent } from '../../src/store/types.js';

const message = (
  createTime: number,
  content: string,
  direction: 'in' | 'out' = 'in',
): ConversationMessage => ({
  direction,
  type: 'text',
  content,
  createTime,
  via: direction === 'out' ? 'passive' : null,
});
const event = (
  type: FollowerEvent['type'],
  createTime: number,
  scene: string | null = null,
): FollowerEvent => ({
  type,
  scene,
  createTime,
});
const labels = (items: ThreadItem[]) =>
  items.map((i) => ('event' in i ? `${i.event.type}@${i.event.createTime}` : i.message.content));

describe('a conversation with follows and scans between the messages', () => {
  const events = [event('subscribe', 100, 'spring'), event('scan', 150, 'autumn'), event('unsubscribe', 300)];

  it('places each event before the messages of its second, so the welcome follows the follow', () => {
    const messages = [
      message(100, 'Welcome', 'out'),
      message(150, 'Welcome back', 'out'),
      message(200, 'hi'),
    ];
    expect(labels(mergeEvents(messages, events, { until: Infinity, reachesFirst: true }))).to.deep.equal([
      'subscribe@100',
      'Welcome',
      'scan@150',
      'Welcome back',
      'hi',
      'unsubscribe@300',
    ]);
  });

  it('shows each event on exactly one page of a paged conversation', () => {
    // Newest page: messages from 200 on; the page before it: from 100 to 150, up to where the newer starts.
    const newest = mergeEvents([message(200, 'hi')], events, { until: Infinity, reachesFirst: false });
    const older = mergeEvents([message(120, 'a'), message(150, 'b')], events, {
      until: 200,
      reachesFirst: true,
    });
    expect(labels(newest)).to.deep.equal(['hi', 'unsubscribe@300']);
    expect(labels(older)).to.deep.equal(['subscribe@100', 'a', 'scan@150', 'b']);
  });

  it('says what happened in words, with the scene', () => {
    const markup = threadList(mergeEvents([], events, { until: Infinity, reachesFirst: true })).value;
    expect(markup).to.contain('Followed through QR scene “spring”');
    expect(markup).to.contain('Scanned QR scene “autumn” (already following)');
    expect(markup).to.contain('data-event="unsubscribe">Unfollowed');
  });
});
