import { expect } from 'chai';
import { Bot } from '../../src/bot/bot.js';
import { createWebhookHandler, type PushInfo, type WebhookHandler } from '../../src/bot/webhook-handler.js';
import { MemoryReplyRecordStore } from '../../src/bot/memory-reply-store.js';
import type { Reply } from '../../src/wire/reply-types.js';
import { ManualTimers, settle } from '../support/manual-timers.js';
import {
  eventXml,
  openReply,
  postPush,
  readXml,
  sendPush,
  signPush,
  textXml,
  type PushAccount,
} from '../support/push.js';
import { captureLogger, deliverTo, gate, startWebhook, type WebhookServer } from './webhook-server.js';

const ACCOUNT: PushAccount = {
  appid: 'wx1234567890abcdef',
  token: 'testtoken',
  encodingAesKey: 'OhbVrpoiVgRV5IfLBcbfnoGMbJmTPSIAoCLrZ3aWZkS',
};

describe('webhook: retried deliveries (INTERFACE.md §3, WECHAT-PROTOCOL.md §5)', () => {
  let server: WebhookServer;
  let runs = 0;
  /** Unix milliseconds of the webhook (the CreateTime of its replies); the test moves it. */
  let now = Date.now();

  before(async () => {
    // Now, not when the module was loaded: a long suite runs this file minutes after loading it, and the
    // pushes are signed with the real time (stale by then for the timestamp check).
    now = Date.now();
    const bot = new Bot();
    bot.use((ctx) => {
      runs++;
      ctx.reply(`run ${runs}`);
    });
    server = await startWebhook({ accounts: ACCOUNT, bot, replyBudgetMs: 1500, clock: () => now });
  });
  beforeEach(() => {
    runs = 0;
  });
  after(() => server.close());

  it('replies with the same XML to a retried delivery and runs the handlers once', async () => {
    const xml = textXml({ from: 'oRetry', content: 'hello', msgId: '1000000000000000001' });
    const first = await postPush(server.url, signPush(ACCOUNT, xml));
    now += 1100; // a second later: a new CreateTime if the reply were made again
    const second = await postPush(server.url, signPush(ACCOUNT, xml)); // WeChat signs each delivery anew
    expect(first.status).to.equal(200);
    expect(second.body).to.equal(first.body);
    expect(readXml(first.body)['Content']).to.equal('run 1');
    expect(runs).to.equal(1);
  });

  it('treats two messages with different MsgIds as two pushes', async () => {
    const a = await sendPush(server.url, ACCOUNT, textXml({ from: 'oTwoMsgs', content: 'x', msgId: '11' }));
    const b = await sendPush(server.url, ACCOUNT, textXml({ from: 'oTwoMsgs', content: 'x', msgId: '12' }));
    expect([a.reply?.['Content'], b.reply?.['Content']]).to.deep.equal(['run 1', 'run 2']);
  });

  it('dedups events on FromUserName + CreateTime + Event + EventKey', async () => {
    const createTime = 1_700_000_000 + Math.floor(Math.random() * 1e6);
    const follow = eventXml({ from: 'oEv', event: 'subscribe', eventKey: 'qrscene_a', createTime });
    const scan = eventXml({ from: 'oEv', event: 'SCAN', eventKey: 'a', createTime });
    const timestamp = Math.floor(Date.now() / 1000);
    await sendPush(server.url, ACCOUNT, follow, { timestamp });
    await sendPush(server.url, ACCOUNT, follow, { timestamp });
    await sendPush(server.url, ACCOUNT, scan, { timestamp });
    expect(runs).to.equal(2);
  });

  it('encrypts the stored reply afresh for each delivery of a safe-mode push', async () => {
    const xml = textXml({ from: 'oSafeRetry', content: 'hi', msgId: '1000000000000000003' });
    const a = await postPush(server.url, signPush(ACCOUNT, xml, { mode: 'safe' }));
    const b = await postPush(server.url, signPush(ACCOUNT, xml, { mode: 'safe' }));
    expect(b.body).to.not.equal(a.body);
    expect(openReply(ACCOUNT, b.body).xml).to.equal(openReply(ACCOUNT, a.body).xml);
    // A retry may also come in plaintext mode if the console was switched: same reply, in plaintext.
    const c = await postPush(server.url, signPush(ACCOUNT, xml));
    expect(c.body).to.equal(openReply(ACCOUNT, a.body).xml);
    expect(runs).to.equal(1);
  });
});

describe('webhook: a duplicate that arrives while the first delivery runs (manual timers)', () => {
  let timers: ManualTimers;
  let handler: WebhookHandler;
  let runs: number;
  let held: ReturnType<typeof gate>;

  beforeEach(() => {
    timers = new ManualTimers();
    runs = 0;
    held = gate();
    const bot = new Bot();
    bot.use(async (ctx) => {
      runs++;
      await held.wait; // held until the test lets go, so a duplicate arrives while this one runs
      ctx.reply(`run ${runs}`);
    });
    handler = createWebhookHandler({
      accounts: ACCOUNT,
      bot,
      replyBudgetMs: 1500,
      replyStore: new MemoryReplyRecordStore({ clock: timers.now }),
      timers,
    });
  });

  it('gives the duplicate the first one’s reply', async () => {
    const xml = textXml({ from: 'oConcurrent', content: 'slow', msgId: '1000000000000000002' });
    const first = deliverTo(handler, signPush(ACCOUNT, xml));
    await settle();
    await timers.advance(100);
    const second = deliverTo(handler, signPush(ACCOUNT, xml));
    await settle(); // the duplicate now waits on the first
    held.open();
    const [a, b] = await Promise.all([first, second]);
    expect(readXml(a.body)['Content']).to.equal('run 1');
    expect(b).to.deep.equal(a);
    expect(runs).to.equal(1);
  });

  it('answers success to the duplicate when the first delivery’s budget runs out before it', async () => {
    const xml = textXml({ from: 'oLongWait', content: 'slow', msgId: '1000000000000000004' });
    const first = deliverTo(handler, signPush(ACCOUNT, xml));
    await settle();
    await timers.advance(100);
    const second = deliverTo(handler, signPush(ACCOUNT, xml));
    // The first delivery's budget runs out: it is answered success (a late reply then is logged and
    // dropped, no sink here), and the duplicate gets the same answer.
    await timers.advance(1400);
    expect(await first).to.deep.equal({ status: 200, body: 'success' });
    expect(await second).to.deep.equal({ status: 200, body: 'success' });
    held.open();
    await handler.drain();
    expect(runs).to.equal(1);
  });
});

describe('webhook: reply budget and failing handlers (manual timers)', () => {
  let timers: ManualTimers;
  let handler: WebhookHandler;
  const late: Array<{ push: PushInfo; reply: Reply }> = [];
  const { logger, lines } = captureLogger();
  let afterReply = false;
  let slow = gate();
  let early = gate();

  before(() => {
    timers = new ManualTimers();
    const bot = new Bot();
    bot.hears('slow', async (ctx) => {
      await slow.wait;
      ctx.reply('finally');
    });
    bot.hears('throw', () => {
      throw new Error('handler exploded');
    });
    bot.hears('early', async (ctx) => {
      ctx.reply('right away');
      await early.wait;
      afterReply = true;
    });
    bot.hears('twice', (ctx) => {
      ctx.reply('one');
      ctx.reply('two');
    });
    bot.hears('news', (ctx) => {
      const article = { title: 't', url: 'https://example.com' };
      ctx.reply({ type: 'news', articles: [article, article] }); // a user's message allows one article
    });
    handler = createWebhookHandler({
      accounts: ACCOUNT,
      bot,
      replyBudgetMs: 300,
      logger,
      replyStore: new MemoryReplyRecordStore({ clock: timers.now }),
      timers,
      lateReplySink: async (push, reply) => {
        late.push({ push, reply });
      },
    });
  });
  beforeEach(() => {
    slow = gate();
    early = gate();
  });

  it('answers success when the budget runs out and hands the eventual reply to lateReplySink', async () => {
    let answered = false;
    const res = deliverTo(
      handler,
      signPush(ACCOUNT, textXml({ from: 'oSlow', content: 'slow', msgId: '77' })),
    ).finally(() => (answered = true));
    await timers.advance(299);
    expect(answered).to.equal(false);
    await timers.advance(1);
    expect(await res).to.deep.equal({ status: 200, body: 'success' });
    expect(late).to.deep.equal([]);
    slow.open();
    await handler.drain();
    expect(late).to.have.length(1);
    expect(late[0]?.reply).to.deep.equal({ type: 'text', content: 'finally' });
    expect(late[0]?.push).to.deep.include({
      appid: ACCOUNT.appid,
      openid: 'oSlow',
      dedupKey: 'message|oSlow|77',
    });
    expect(late[0]?.push.message).to.include({ MsgType: 'text', Content: 'slow' });
    expect(lines.some((l) => l['msg']?.toString().includes('budget') && l['openid'] === 'oSlow')).to.equal(
      true,
    );
  });

  it('answers success to a throwing handler and logs it with the push identity, never a 500', async () => {
    const push = textXml({ from: 'oThrow', content: 'throw', msgId: '78' });
    const res = await deliverTo(handler, signPush(ACCOUNT, push));
    expect(res).to.deep.equal({ status: 200, body: 'success' });
    const entry = lines.find((l) => l['openid'] === 'oThrow' && l['level'] === 50);
    expect(entry).to.include({ appid: ACCOUNT.appid, msgType: 'text', dedupKey: 'message|oThrow|78' });
    expect((entry?.['err'] as { message: string }).message).to.equal('handler exploded');
    expect(JSON.stringify(entry)).to.not.include(ACCOUNT.token);
    // A retry of the failed push does not run it again.
    await settle(); // the answer reaches the store
    expect(await deliverTo(handler, signPush(ACCOUNT, push))).to.deep.equal({ status: 200, body: 'success' });
    expect(lines.filter((l) => l['openid'] === 'oThrow' && l['level'] === 50)).to.have.length(1);
  });

  it('sends the reply as soon as a handler makes it, not when the handler ends', async () => {
    afterReply = false;
    const res = await deliverTo(handler, signPush(ACCOUNT, textXml({ from: 'oEarly', content: 'early' })));
    expect(readXml(res.body)['Content']).to.equal('right away');
    expect(afterReply).to.equal(false);
    early.open();
    await handler.drain();
    expect(afterReply).to.equal(true);
  });

  it('sends the first reply and logs the error of a second one', async () => {
    const res = await deliverTo(handler, signPush(ACCOUNT, textXml({ from: 'oTwice', content: 'twice' })));
    expect(readXml(res.body)['Content']).to.equal('one');
    await handler.drain();
    const entry = lines.find((l) => l['openid'] === 'oTwice' && l['level'] === 50);
    expect((entry?.['err'] as { message: string }).message).to.match(/reply\(\) called twice/);
  });

  it('answers success when a handler builds a reply WeChat would refuse', async () => {
    const res = await deliverTo(handler, signPush(ACCOUNT, textXml({ from: 'oNews', content: 'news' })));
    expect(res).to.deep.equal({ status: 200, body: 'success' });
    const entry = lines.find((l) => l['openid'] === 'oNews' && l['level'] === 50);
    expect((entry?.['err'] as { message: string }).message).to.match(/at most 1/);
  });
});

describe('webhook: late replies without a sink', () => {
  it('logs and drops a reply made after the budget when no lateReplySink is set', async () => {
    const { logger, lines } = captureLogger();
    const timers = new ManualTimers();
    const held = gate();
    const bot = new Bot();
    bot.use(async (ctx) => {
      await held.wait;
      ctx.reply('too late');
    });
    const handler = createWebhookHandler({ accounts: ACCOUNT, bot, replyBudgetMs: 50, logger, timers });
    const res = deliverTo(handler, signPush(ACCOUNT, textXml({ from: 'oNoSink', content: 'x' })));
    await timers.advance(50);
    expect(await res).to.deep.equal({ status: 200, body: 'success' });
    held.open();
    await handler.drain();
    const entry = lines.find((l) => String(l['msg']).includes('no lateReplySink'));
    expect(entry).to.include({ openid: 'oNoSink', replyType: 'text' });
  });
});

describe('webhook: onPassiveReply', () => {
  it('reports each passive reply once per push, not for retries, success or late replies', async () => {
    const seen: Array<{ openid: string; reply: Reply }> = [];
    const timers = new ManualTimers();
    const held = gate();
    const bot = new Bot();
    bot.hears('slow', async (ctx) => {
      await held.wait;
      ctx.reply('late');
    });
    bot.hears('hi', (ctx) => ctx.reply('hello'));
    const handler = createWebhookHandler({
      accounts: ACCOUNT,
      bot,
      replyBudgetMs: 50,
      timers,
      onPassiveReply: (push, reply) => {
        seen.push({ openid: push.openid, reply });
      },
    });
    const hi = textXml({ from: 'oPassive', content: 'hi', msgId: '9001' });
    await deliverTo(handler, signPush(ACCOUNT, hi));
    await settle();
    await deliverTo(handler, signPush(ACCOUNT, hi));
    await deliverTo(handler, signPush(ACCOUNT, textXml({ from: 'oQuiet', content: 'nothing' })));
    const slow = deliverTo(handler, signPush(ACCOUNT, textXml({ from: 'oSlowPassive', content: 'slow' })));
    await timers.advance(50);
    expect(await slow).to.deep.equal({ status: 200, body: 'success' });
    held.open();
    await handler.drain();
    expect(seen).to.deep.equal([{ openid: 'oPassive', reply: { type: 'text', content: 'hello' } }]);
  });
});
