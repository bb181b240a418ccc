import { expect } from 'chai';
import { Bot } from '../../src/bot/bot.js';
import { createWebhookHandler } from '../../src/bot/webhook-handler.js';
import { MemoryReplyRecordStore } from '../../src/store/memory-reply-store.js';
import { signPush, textXml, type PushAccount } from '../support/push.js';

const ACCOUNT: PushAccount = { appid: 'wx1234567890abcdef', token: 'testtoken' };

describe('webhook: a claim left by an instance that died (INTERFACE.md §3)', () => {
  it('never answers 200 without running the handlers (pre-fix probe)', async () => {
    const store = new MemoryReplyRecordStore();
    let runs = 0;
    const bot = new Bot();
    bot.use(() => {
      runs++;
    });
    const live = createWebhookHandler({ accounts: ACCOUNT, bot, replyStore: store, replyBudgetMs: 100 });
    // The instance that died claimed the push and never finished it.
    expect(await store.claim('message|oDead|5151', 1100)).to.deep.equal({ state: 'new' });
    const push = signPush(ACCOUNT, textXml({ from: 'oDead', content: 'x', msgId: '5151' }));
    const outcome = await live.handlePush({ query: push.query, body: push.body }).then(
      (answer) => answer.body,
      (err: Error) => err.name,
    );
    expect(outcome === 'WebhookError' || runs === 1, `answered ${outcome} with ${runs} runs`).to.equal(true);
  });
});
