import { expect } from 'chai';
import { Bot } from '../../src/bot/bot.js';
import type { PushInfo } from '../../src/bot/webhook-handler.js';
import { MemoryReplyRecordStore } from '../../src/bot/memory-reply-store.js';
import type { Reply } from '../../src/wire/reply-types.js';
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
import { captureLogger, sleep, startWebhook, type WebhookServer } from './webhook-server.js';

const ACCOUNT: PushAccount = {
  appid: 'wx1234567890abcdef',
  token: 'testtoken',
  encodingAesKey: 'OhbVrpoiVgRV5IfLBcbfnoGMbJmTPSIAoCLrZ3aWZkS',
};

describe('webhook: retried deliveries (INTERFACE.md §3, WECHAT-PROTOCOL.md §5)', () => {
  let server: WebhookServer;
  let runs = 0;
  let release: (() => void) | undefined;

  before(async () => {
    const bot = new Bot();
    bot.use(async (ctx) => {
      runs++;
      if (ctx.message.MsgType === 'text' && ctx.message.Content === 'slow') {
        // Held until the test lets go, so a duplicate arrives while this one runs.
        await new Promise<void>((resolve) => (release = resolve));
      }
      ctx.reply(`run ${runs}`);
    });
    server = await startWebhook({ accounts: ACCOUNT, bot, replyBudgetMs: 1500 });
  });
  beforeEach(() => {
    runs = 0;
  });
  after(() => server.close());

  it('replies with the same XML to a retried delivery and runs the handlers once', async () => {
    const xml = textXml({ from: 'oRetry', content: 'hello', msgId: '1000000000000000001' });
    const first = await postPush(server.url, signPush(ACCOUNT, xml));
    await sleep(1100); // a second later: a new CreateTime if the reply were made again
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

  it('gives a duplicate that arrives while the first delivery runs the first one’s reply', async () => {
    const xml = textXml({ from: 'oConcurrent', content: 'slow', msgId: '1000000000000000002' });
    const first = postPush(server.url, signPush(ACCOUNT, xml));
    await waitFor(() => release !== undefined);
    const second = postPush(server.url, signPush(ACCOUNT, xml));
    await sleep(100); // the duplicate is now waiting on the first
    release?.();
    release = undefined;
    const [a, b] = await Promise.all([first, second]);
    expect(readXml(a.body)['Content']).to.equal('run 1');
    expect(b.body).to.equal(a.body);
    expect(runs).to.equal(1);
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

  it('answers success to a duplicate whose first delivery outlasts the duplicate’s budget', async () => {
    const xml = textXml({ from: 'oLongWait', content: 'slow', msgId: '1000000000000000004' });
    const first = postPush(server.url, signPush(ACCOUNT, xml));
    await waitFor(() => release !== undefined);
    const started = Date.now();
    const second = await postPush(server.url, signPush(ACCOUNT, xml));
    expect(second.body).to.equal('success');
    expect(Date.now() - started).to.be.within(1000, 2500);
    // The first delivery's budget ran out too; a late reply then is logged and dropped (no sink here).
    expect((await first).body).to.equal('success');
    release?.();
    release = undefined;
    await server.drain();
    expect(runs).to.equal(1);
  });
});

describe('webhook: reply budget and failing handlers', () => {
  let server: WebhookServer;
  const late: Array<{ push: PushInfo; reply: Reply }> = [];
  const { logger, lines } = captureLogger();
  let afterReply = false;

  before(async () => {
    const bot = new Bot();
    bot.hears('slow', async (ctx) => {
      await sleep(700);
      ctx.reply('finally');
    });
    bot.hears('throw', () => {
      throw new Error('handler exploded');
    });
    bot.hears('early', async (ctx) => {
      ctx.reply('right away');
      await sleep(500);
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
    server = await startWebhook({
      accounts: ACCOUNT,
      bot,
      replyBudgetMs: 300,
      logger,
      replyStore: new MemoryReplyRecordStore(),
      lateReplySink: async (push, reply) => {
        late.push({ push, reply });
      },
    });
  });
  after(() => server.close());

  it('answers success when the budget runs out and hands the eventual reply to lateReplySink', async () => {
    const started = Date.now();
    const res = await postPush(
      server.url,
      signPush(ACCOUNT, textXml({ from: 'oSlow', content: 'slow', msgId: '77' })),
    );
    const took = Date.now() - started;
    expect(res.body).to.equal('success');
    expect(took).to.be.within(250, 650);
    expect(late).to.deep.equal([]);
    await server.drain();
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
    const res = await postPush(
      server.url,
      signPush(ACCOUNT, textXml({ from: 'oThrow', content: 'throw', msgId: '78' })),
    );
    expect(res.status).to.equal(200);
    expect(res.body).to.equal('success');
    expect(res.body).to.not.include('exploded');
    const entry = lines.find((l) => l['openid'] === 'oThrow' && l['level'] === 50);
    expect(entry).to.include({ appid: ACCOUNT.appid, msgType: 'text', dedupKey: 'message|oThrow|78' });
    expect((entry?.['err'] as { message: string }).message).to.equal('handler exploded');
    expect(JSON.stringify(entry)).to.not.include(ACCOUNT.token);
    // A retry of the failed push does not run it again.
    const retry = await postPush(
      server.url,
      signPush(ACCOUNT, textXml({ from: 'oThrow', content: 'throw', msgId: '78' })),
    );
    expect(retry.body).to.equal('success');
    expect(lines.filter((l) => l['openid'] === 'oThrow' && l['level'] === 50)).to.have.length(1);
  });

  it('sends the reply as soon as a handler makes it, not when the handler ends', async () => {
    afterReply = false;
    const started = Date.now();
    const res = await sendPush(server.url, ACCOUNT, textXml({ from: 'oEarly', content: 'early' }));
    expect(res.reply?.['Content']).to.equal('right away');
    expect(Date.now() - started).to.be.below(400);
    expect(afterReply).to.equal(false);
    await server.drain();
    expect(afterReply).to.equal(true);
  });

  it('sends the first reply and logs the error of a second one', async () => {
    const res = await sendPush(server.url, ACCOUNT, textXml({ from: 'oTwice', content: 'twice' }));
    expect(res.reply?.['Content']).to.equal('one');
    await server.drain();
    const entry = lines.find((l) => l['openid'] === 'oTwice' && l['level'] === 50);
    expect((entry?.['err'] as { message: string }).message).to.match(/reply\(\) called twice/);
  });

  it('answers success when a handler builds a reply WeChat would refuse', async () => {
    const res = await postPush(server.url, signPush(ACCOUNT, textXml({ from: 'oNews', content: 'news' })));
    expect(res.body).to.equal('success');
    const entry = lines.find((l) => l['openid'] === 'oNews' && l['level'] === 50);
    expect((entry?.['err'] as { message: string }).message).to.match(/at most 1/);
  });
});

describe('webhook: late replies without a sink', () => {
  it('logs and drops a reply made after the budget when no lateReplySink is set', async () => {
    const { logger, lines } = captureLogger();
    const bot = new Bot();
    bot.use(async (ctx) => {
      await sleep(200);
      ctx.reply('too late');
    });
    const server = await startWebhook({ accounts: ACCOUNT, bot, replyBudgetMs: 50, logger });
    try {
      const res = await postPush(server.url, signPush(ACCOUNT, textXml({ from: 'oNoSink', content: 'x' })));
      expect(res.body).to.equal('success');
      await server.drain();
      const entry = lines.find((l) => String(l['msg']).includes('no lateReplySink'));
      expect(entry).to.include({ openid: 'oNoSink', replyType: 'text' });
    } finally {
      await server.close();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('webhook: onPassiveReply', () => {
  it('reports each passive reply once per push, not for retries, success or late replies', async () => {
    const seen: Array<{ openid: string; reply: Reply }> = [];
    const bot = new Bot();
    bot.hears('slow', async (ctx) => {
      await sleep(150);
      ctx.reply('late');
    });
    bot.hears('hi', (ctx) => ctx.reply('hello'));
    const server = await startWebhook({
      accounts: ACCOUNT,
      bot,
      replyBudgetMs: 50,
      onPassiveReply: (push, reply) => {
        seen.push({ openid: push.openid, reply });
      },
    });
    try {
      const hi = textXml({ from: 'oPassive', content: 'hi', msgId: '9001' });
      await postPush(server.url, signPush(ACCOUNT, hi));
      await postPush(server.url, signPush(ACCOUNT, hi));
      await postPush(server.url, signPush(ACCOUNT, textXml({ from: 'oQuiet', content: 'nothing' })));
      await postPush(server.url, signPush(ACCOUNT, textXml({ from: 'oSlowPassive', content: 'slow' })));
      await server.drain();
      expect(seen).to.deep.equal([{ openid: 'oPassive', reply: { type: 'text', content: 'hello' } }]);
    } finally {
      await server.close();
    }
  });
});
