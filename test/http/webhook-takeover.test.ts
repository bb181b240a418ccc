import { expect } from 'chai';
import { Bot } from '../../src/bot/bot.js';
import { pushEffects, PushNotHandledError } from '../../src/bot/push-effects.js';
import type { ReplyRecordStore } from '../../src/bot/reply-store.js';
import { createWebhookHandler, type WebhookHandler } from '../../src/bot/webhook-handler.js';
import { webhookErrorResponse } from '../../src/http/errors.js';
import { MemoryReplyRecordStore } from '../../src/bot/memory-reply-store.js';
import { openStore } from '../../src/store/index.js';
import { readXml, signPush, textXml, type PushAccount } from '../support/push.js';
import { ManualTimers, settle } from '../support/manual-timers.js';
import { gate } from './webhook-server.js';

const ACCOUNT: PushAccount = { appid: 'wx1234567890abcdef', token: 'testtoken' };
/** The budget of every instance here; a claim's lease is the budget + 1000 ms. */
const BUDGET = 1000;
const LEASE = BUDGET + 1000;

/** What WeChat would see: the status and the body (the reply's Content when there is one). */
async function deliver(handler: WebhookHandler, xml: string): Promise<{ status: number; body: string }> {
  const push = signPush(ACCOUNT, xml);
  try {
    const answer = await handler.handlePush({ query: push.query, body: push.body });
    return {
      status: 200,
      body: answer.body === 'success' ? 'success' : String(readXml(answer.body)['Content']),
    };
  } catch (err) {
    const response = webhookErrorResponse(err);
    return { status: response.status, body: response.body };
  }
}

type StoreFactory = (timers: ManualTimers) => Promise<ReplyRecordStore>;
const STORES: Array<[string, StoreFactory]> = [
  ['memory store', async (timers) => new MemoryReplyRecordStore({ clock: timers.now })],
  ['SQLite store', async (timers) => (await openStore('sqlite::memory:', { clock: timers.now })).replies],
];

for (const [name, makeStore] of STORES) {
  describe(`webhook: a claim left by an instance that died (INTERFACE.md §3, ${name})`, () => {
    let timers: ManualTimers;
    let store: ReplyRecordStore;
    let runs: number;
    const instance = (reply = 'handled', instanceTimers: ManualTimers = timers): WebhookHandler => {
      const bot = new Bot();
      bot.use((ctx) => {
        runs++;
        ctx.reply(reply);
      });
      return createWebhookHandler({
        accounts: ACCOUNT,
        bot,
        replyStore: store,
        replyBudgetMs: BUDGET,
        timers: instanceTimers,
      });
    };
    /** An instance whose handlers hang and whose timers never fire: it dies holding its claim. */
    const doomed = (): WebhookHandler => {
      const bot = new Bot();
      bot.use(() => new Promise<void>(() => undefined));
      return createWebhookHandler({
        accounts: ACCOUNT,
        bot,
        replyStore: store,
        replyBudgetMs: BUDGET,
        timers: new ManualTimers(),
      });
    };

    beforeEach(async () => {
      timers = new ManualTimers();
      store = await makeStore(timers);
      runs = 0;
    });

    it('takes the claim over once its lease runs out, and handles the push once', async () => {
      const xml = textXml({ from: 'oDied', content: 'x', msgId: '5001' });
      void deliver(doomed(), xml);
      await settle();
      await timers.advance(1500); // WeChat's retry reaches a live instance while the lease still holds
      const retry = deliver(instance(), xml);
      await timers.advance(BUDGET);
      expect(await retry).to.deep.equal({ status: 200, body: 'handled' });
      expect(runs).to.equal(1);
      // Later deliveries get the stored reply.
      expect(await deliver(instance('again'), xml)).to.deep.equal({ status: 200, body: 'handled' });
      expect(runs).to.equal(1);
    });

    it('answers 503, never 200, when the lease outlasts the retry’s wait; the next retry handles it', async () => {
      const xml = textXml({ from: 'oEarly', content: 'x', msgId: '5002' });
      void deliver(doomed(), xml);
      await settle();
      await timers.advance(100);
      const early = deliver(instance(), xml);
      await timers.advance(BUDGET);
      expect(await early).to.deep.equal({ status: 503, body: 'service unavailable' });
      expect(runs).to.equal(0);
      await timers.advance(LEASE);
      const next = deliver(instance(), xml);
      await timers.advance(BUDGET);
      expect(await next).to.deep.equal({ status: 200, body: 'handled' });
      expect(runs).to.equal(1);
    });

    it('lets only one of two instances that see the lease run out take the push over', async () => {
      const xml = textXml({ from: 'oTwoLive', content: 'x', msgId: '5003' });
      void deliver(doomed(), xml);
      await settle();
      await timers.advance(LEASE - 50);
      // Both poll the store on the same turns: both see the expired lease, both try to claim it.
      const a = deliver(instance('from a'), xml);
      const b = deliver(instance('from b'), xml);
      await timers.advance(BUDGET);
      const [ra, rb] = await Promise.all([a, b]);
      expect(runs).to.equal(1);
      expect(ra.status).to.equal(200);
      expect(rb).to.deep.equal(ra);
    });

    it('handles a retry that reaches the same instance after a restart', async () => {
      const xml = textXml({ from: 'oRestart', content: 'x', msgId: '5004' });
      void deliver(doomed(), xml); // the process before the restart
      await settle();
      await timers.advance(LEASE); // restarting took longer than the lease
      const retry = deliver(instance(), xml);
      await timers.advance(BUDGET);
      expect(await retry).to.deep.equal({ status: 200, body: 'handled' });
      expect(runs).to.equal(1);
    });
  });
}

describe('webhook: a push whose effects cannot be stored', () => {
  let timers: ManualTimers;
  let runs: number;
  let failing: boolean;
  let stored: string[];
  let storing: { wait: Promise<void>; open: () => void } | null;
  let handler: WebhookHandler;

  beforeEach(() => {
    timers = new ManualTimers();
    runs = 0;
    failing = false;
    stored = [];
    storing = null;
    const bot = new Bot();
    bot.use(
      pushEffects(async (ctx, next) => {
        if (storing) await storing.wait;
        if (failing) throw new Error('connection refused');
        stored.push(ctx.dedupKey);
        await next();
      }),
    );
    bot.hears('throw', () => {
      runs++;
      throw new PushNotHandledError('a handler may say so too');
    });
    bot.use((ctx) => {
      runs++;
      if (ctx.message.MsgType === 'text' && ctx.message.Content === 'bug') throw new Error('handler bug');
      ctx.reply('welcome');
    });
    handler = createWebhookHandler({
      accounts: ACCOUNT,
      bot,
      replyStore: new MemoryReplyRecordStore({ clock: timers.now }),
      replyBudgetMs: BUDGET,
      timers,
    });
  });

  it('answers 503 and releases the claim, so that the next delivery is handled', async () => {
    const xml = textXml({ from: 'oDown', content: 'x', msgId: '6001' });
    failing = true;
    expect(await deliver(handler, xml)).to.deep.equal({ status: 503, body: 'service unavailable' });
    expect(runs).to.equal(0);
    await settle(); // the release is written in the background
    failing = false;
    expect(await deliver(handler, xml)).to.deep.equal({ status: 200, body: 'welcome' });
    expect(stored).to.deep.equal(['message|oDown|6001']);
    expect(runs).to.equal(1);
  });

  it('still answers success to a handler that throws after the effects are stored', async () => {
    const xml = textXml({ from: 'oBug', content: 'bug', msgId: '6002' });
    expect(await deliver(handler, xml)).to.deep.equal({ status: 200, body: 'success' });
    expect(await deliver(handler, xml)).to.deep.equal({ status: 200, body: 'success' });
    expect(runs).to.equal(1);
  });

  it('waits past the budget for effects still being stored instead of acknowledging them', async () => {
    storing = gate();
    const xml = textXml({ from: 'oSlowDb', content: 'x', msgId: '6003' });
    let answered = false;
    const slow = deliver(handler, xml).finally(() => (answered = true));
    await timers.advance(BUDGET * 2);
    expect(answered).to.equal(false);
    storing.open();
    expect(await slow).to.deep.equal({ status: 200, body: 'welcome' });
    expect(stored).to.deep.equal(['message|oSlowDb|6003']);
  });

  it('answers 503 when effects still being stored at the budget then fail', async () => {
    storing = gate();
    failing = true;
    const xml = textXml({ from: 'oSlowFail', content: 'x', msgId: '6004' });
    const slow = deliver(handler, xml);
    await timers.advance(BUDGET * 2);
    storing.open();
    expect(await slow).to.deep.equal({ status: 503, body: 'service unavailable' });
    expect(runs).to.equal(0);
  });

  it('answers 503 when a handler throws PushNotHandledError itself', async () => {
    const xml = textXml({ from: 'oSays', content: 'throw', msgId: '6005' });
    expect(await deliver(handler, xml)).to.deep.equal({ status: 503, body: 'service unavailable' });
  });
});
