import { Router } from '@koa/router';
import { expect } from 'chai';
import { Bot } from '../../src/bot/bot.js';
import { conversationsApiRouter } from '../../src/http/admin-conversations.js';
import { wechatWebhook, type WechatWebhookMiddleware } from '../../src/http/webhook-middleware.js';
import { ConversationService } from '../../src/kf/conversation-service.js';
import type { SimAccount, Simulator } from '../../src/simulator/index.js';
import type { Store } from '../../src/store/index.js';
import type { WechatApi } from '../../src/wechat-api/index.js';
import { sendPush, textXml } from '../support/push.js';
import { adminApp, api, listen, type TestServer, startSimulatedAccount } from './test-app.js';

const HOUR = 3_600_000;

/**
 * Customer service end to end: the server (webhook + admin API) on real HTTP, followers and WeChat played by
 * the simulator. What is asserted is what an operator sees (the admin API) and what WeChat received.
 */
describe('customer service over HTTP against the simulator', () => {
  let sim: Simulator;
  let account: SimAccount;
  let store: Store;
  let server: TestServer;
  let webhook: WechatWebhookMiddleware;
  const replyBudgetMs = 300;
  /** The `slow` handler replies only once the test resolves this: after the push was answered. */
  let releaseSlowHandler!: () => void;
  const slowHandlerMayReply = new Promise<void>((resolve) => (releaseSlowHandler = resolve));

  before(async () => {
    let wechat: WechatApi;
    let clock: () => number;
    ({ sim, account, store, wechat, clock } = await startSimulatedAccount());
    const conversations = new ConversationService({
      messages: store.messages,
      apiFor: (appid) => (appid === account.appid ? wechat : undefined),
      clock,
    });
    const bot = new Bot();
    bot.use(conversations.recordInbound);
    bot.hears('hello', (ctx) => ctx.reply('Hi! How can we help?'));
    bot.hears('slow', async (ctx) => {
      await slowHandlerMayReply;
      ctx.reply('Sorry for the wait');
    });
    webhook = wechatWebhook({
      accounts: { appid: account.appid, token: account.token },
      bot,
      replyBudgetMs,
      lateReplySink: conversations.lateReplySink,
      onPassiveReply: conversations.recordPassiveReply,
      clock,
    });
    const router = new Router();
    router.all('/wechat', webhook);
    server = await listen(adminApp(router, conversationsApiRouter({ conversations, appid: account.appid })));
    account.webhookUrl = `${server.origin}/wechat`;
  });

  after(async () => {
    await server?.close();
    await store?.close();
    await sim?.close();
  });

  it('records what a follower sends and what an operator answers inside the 48-hour window', async () => {
    const follower = account.follower();
    await follower.follow();
    const pushed = await follower.sendText('Where is my order?');
    expect(pushed.reply).to.equal(null); // no handler for it: answered `success`

    const sent = await api(server.origin, 'POST', `/api/conversations/${follower.openid}/messages`, {
      text: 'It ships tomorrow.',
    });
    expect(sent.status).to.equal(201);
    expect(sent.json['message']).to.include({
      direction: 'out',
      type: 'text',
      content: 'It ships tomorrow.',
      via: 'operator',
    });

    // WeChat got exactly that message, through message/custom/send.
    const received = account.sentMessages.filter((m) => m.touser === follower.openid);
    expect(received.map((m) => m.body)).to.deep.equal([
      { touser: follower.openid, msgtype: 'text', text: { content: 'It ships tomorrow.' } },
    ]);

    const history = await api(server.origin, 'GET', `/api/conversations/${follower.openid}/messages`);
    expect(history.status).to.equal(200);
    const messages = history.json['messages'] as Array<Record<string, unknown>>;
    expect(messages.map((m) => [m['direction'], m['type'], m['content']])).to.deep.equal([
      ['in', 'text', 'Where is my order?'],
      ['out', 'text', 'It ships tomorrow.'],
    ]);
    expect(messages[0]?.['createTime']).to.be.a('number');
  });

  it('records the passive reply a push got as outbound passive, without a customer-service message', async () => {
    const follower = account.follower();
    await follower.follow();
    const pushed = await follower.sendText('hello');
    expect(pushed.reply?.['Content']).to.equal('Hi! How can we help?');

    await webhook.webhook.drain();
    const history = await api(server.origin, 'GET', `/api/conversations/${follower.openid}/messages`);
    const messages = history.json['messages'] as Array<Record<string, unknown>>;
    expect(messages.map((m) => [m['direction'], m['content'], m['via']])).to.deep.equal([
      ['in', 'hello', null],
      ['out', 'Hi! How can we help?', 'passive'],
    ]);
    expect(account.sentMessages.filter((m) => m.touser === follower.openid)).to.deep.equal([]);
  });

  it('answers 409 outside the window and records nothing as sent', async () => {
    const follower = account.follower();
    await follower.follow();
    await follower.sendText('Anyone there?');
    sim.clock.advance(49 * HOUR);
    const before = account.sentMessages.length;

    const sent = await api(server.origin, 'POST', `/api/conversations/${follower.openid}/messages`, {
      text: 'Sorry for the delay',
    });

    expect(sent.status).to.equal(409);
    const error = sent.json['error'] as Record<string, string>;
    expect(error['code']).to.equal('outside_window');
    expect(error['message']).to.match(/WeChat only allows customer-service messages within 48 hours/);
    expect(account.sentMessages.length).to.equal(before);
    const history = await api(server.origin, 'GET', `/api/conversations/${follower.openid}/messages`);
    const messages = history.json['messages'] as Array<Record<string, unknown>>;
    expect(messages.map((m) => m['direction'])).to.deep.equal(['in']);
  });

  it('delivers a reply that missed the reply budget through custom/send, recorded as late', async () => {
    const follower = account.follower();
    await follower.follow();
    const pushed = await follower.sendText('slow');
    expect(pushed.body).to.equal('success'); // the budget ran out with the handler still waiting

    releaseSlowHandler();
    await webhook.webhook.drain();
    const received = account.sentMessages.filter((m) => m.touser === follower.openid);
    expect(received.map((m) => m.body)).to.deep.equal([
      { touser: follower.openid, msgtype: 'text', text: { content: 'Sorry for the wait' } },
    ]);
    const history = await api(server.origin, 'GET', `/api/conversations/${follower.openid}/messages`);
    const messages = history.json['messages'] as Array<Record<string, unknown>>;
    expect(messages.map((m) => [m['direction'], m['content'], m['via']])).to.deep.equal([
      ['in', 'slow', null],
      ['out', 'Sorry for the wait', 'late'],
    ]);
  });

  it('records a menu click as event:CLICK', async () => {
    const follower = account.follower();
    await follower.follow();
    await follower.click('MENU_HELP');
    const history = await api(server.origin, 'GET', `/api/conversations/${follower.openid}/messages`);
    const messages = history.json['messages'] as Array<Record<string, unknown>>;
    expect(messages.map((m) => [m['direction'], m['type'], m['content']])).to.deep.equal([
      ['in', 'event:CLICK', 'MENU_HELP'],
    ]);
  });

  it('lists conversations newest first with unanswered ones marked', async () => {
    const answered = account.follower();
    await answered.follow();
    await answered.sendText('question one');
    sim.clock.advance(1000);
    const waiting = account.follower();
    await waiting.follow();
    await waiting.sendText('question two');
    sim.clock.advance(1000);
    const reply = await api(server.origin, 'POST', `/api/conversations/${answered.openid}/messages`, {
      text: 'answer',
    });
    expect(reply.status).to.equal(201);

    const inbox = await api(server.origin, 'GET', '/api/conversations?limit=2');
    const conversations = inbox.json['conversations'] as Array<Record<string, unknown>>;
    expect(conversations.map((c) => [c['openid'], c['unanswered']])).to.deep.equal([
      [answered.openid, false],
      [waiting.openid, true],
    ]);
    expect(conversations[1]?.['lastMessage']).to.include({ direction: 'in', content: 'question two' });
  });

  it('records a push delivered to two instances once (the MsgId is unique in the store)', async () => {
    // A second instance with its own in-memory dedup, sharing the database: both run the handlers.
    const other = new ConversationService({ messages: store.messages, apiFor: () => undefined });
    const bot = new Bot();
    bot.use(other.recordInbound);
    const second = wechatWebhook({
      accounts: { appid: account.appid, token: account.token },
      bot,
      clock: () => sim.clock.now(),
    });
    const router = new Router();
    router.all('/wechat', second);
    const secondServer = await listen(adminApp(router));
    try {
      const follower = account.follower();
      await follower.follow();
      const xml = textXml({
        from: follower.openid,
        to: account.ghId,
        content: 'sent once',
        msgId: '7300000000000000001',
        createTime: Math.floor(sim.clock.now() / 1000),
      });
      const pushAccount = { appid: account.appid, token: account.token, ghId: account.ghId };
      const timestamp = Math.floor(sim.clock.now() / 1000);
      const a = await sendPush(`${server.origin}/wechat`, pushAccount, xml, { timestamp });
      const b = await sendPush(`${secondServer.origin}/wechat`, pushAccount, xml, { timestamp });
      expect([a.status, b.status]).to.deep.equal([200, 200]);
      const history = await api(server.origin, 'GET', `/api/conversations/${follower.openid}/messages`);
      const messages = history.json['messages'] as Array<Record<string, unknown>>;
      expect(messages.map((m) => m['content'])).to.deep.equal(['sent once']);
    } finally {
      await secondServer.close();
    }
  });
});
