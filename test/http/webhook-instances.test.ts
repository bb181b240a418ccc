import { expect } from 'chai';
import { Bot } from '../../src/bot/bot.js';
import { WireError } from '../../src/wire/errors.js';
import type { ReplyRecord, ReplyRecordStore } from '../../src/bot/reply-store.js';
import { createWebhookHandler } from '../../src/bot/webhook-handler.js';
import { MemoryReplyRecordStore } from '../../src/bot/memory-reply-store.js';
import { ManualTimers, settle } from '../support/manual-timers.js';
import { postPush, readXml, signPush, textXml, type PushAccount } from '../support/push.js';
import { captureLogger, deliverTo, gate, startWebhook } from './webhook-server.js';

const ACCOUNT: PushAccount = { appid: 'wx1234567890abcdef', token: 'testtoken' };

describe('webhook: several instances sharing one reply store', () => {
  it('gives a duplicate that reaches another instance the first instance’s reply, by polling the store', async () => {
    // One clock for both instances and the store they share: the 50 ms between the two deliveries, the
    // second one's polls and the first one's answer happen in the order staged here, on any machine.
    const timers = new ManualTimers();
    const store = new MemoryReplyRecordStore({ clock: timers.now });
    const held = gate();
    let runs = 0;
    const instance = (name: string) => {
      const bot = new Bot();
      bot.use(async (ctx) => {
        runs++;
        await held.wait;
        ctx.reply(`from ${name}`);
      });
      return createWebhookHandler({ accounts: ACCOUNT, bot, replyStore: store, replyBudgetMs: 2000, timers });
    };
    const a = instance('a');
    const b = instance('b');
    const xml = textXml({ from: 'oShared', content: 'x', msgId: '424242' });
    const first = deliverTo(a, signPush(ACCOUNT, xml));
    await timers.advance(50);
    expect(await store.peek('message|oShared|424242')).to.deep.equal({ state: 'pending' });
    const second = deliverTo(b, signPush(ACCOUNT, xml));
    await timers.advance(300); // b polls the store a few times while a runs
    let secondAnswered = false;
    void second.then(() => (secondAnswered = true));
    await settle();
    expect(secondAnswered).to.equal(false);
    held.open(); // a replies; b finds the reply at its next poll
    const firstAnswer = await first;
    await timers.advance(100);
    const secondAnswer = await second;
    expect(readXml(secondAnswer.body)['Content']).to.equal('from a');
    expect(secondAnswer).to.deep.equal(firstAnswer);
    expect(runs).to.equal(1);
  });
});

describe('webhook: a failing reply store', () => {
  it('answers 503 without details when the store cannot claim, and runs no handler', async () => {
    const { logger, lines } = captureLogger();
    const broken: ReplyRecordStore = {
      claim: (): Promise<ReplyRecord> => Promise.reject(new Error('database is down: password=hunter2')),
      finish: () => Promise.resolve(),
      peek: () => Promise.resolve({ state: 'new' }),
      release: () => Promise.resolve(),
    };
    let ran = false;
    const bot = new Bot();
    bot.use(() => {
      ran = true;
    });
    const server = await startWebhook({ accounts: ACCOUNT, bot, replyStore: broken, logger });
    try {
      const res = await postPush(server.url, signPush(ACCOUNT, textXml({ from: 'oStore', content: 'x' })));
      expect(res.status).to.equal(503);
      expect(res.body).to.equal('service unavailable');
      expect(ran).to.equal(false);
      expect(lines.some((l) => l['level'] === 50 && l['status'] === 503)).to.equal(true);
    } finally {
      await server.close();
    }
  });

  it('still answers when the store cannot record the reply, and logs it', async () => {
    const { logger, lines } = captureLogger();
    const memory = new MemoryReplyRecordStore();
    const flaky: ReplyRecordStore = {
      claim: (key, lease) => memory.claim(key, lease),
      finish: () => Promise.reject(new Error('write failed')),
      peek: (key) => memory.peek(key),
      release: (key) => memory.release(key),
    };
    const bot = new Bot();
    bot.use((ctx) => ctx.reply('answered'));
    const server = await startWebhook({ accounts: ACCOUNT, bot, replyStore: flaky, logger });
    try {
      const res = await postPush(server.url, signPush(ACCOUNT, textXml({ from: 'oFlaky', content: 'x' })));
      expect(readXml(res.body)['Content']).to.equal('answered');
      await server.drain();
      expect(lines.some((l) => l['msg'] === 'could not store the reply of a push')).to.equal(true);
    } finally {
      await server.close();
    }
  });
});

describe('createWebhookHandler options', () => {
  const bot = new Bot();

  it('lists every problem with the accounts at once', () => {
    expect(() =>
      createWebhookHandler({
        accounts: [
          { appid: '', token: '' },
          { appid: 'wx1', token: 't', encodingAesKey: 'tooshort' },
          { appid: 'wx1', token: 't' },
        ],
        bot,
      }),
    ).to.throw(
      /accounts\[0\]\.appid is required.*accounts\[0\]\.token is required.*accounts\[1\]\.encodingAesKey: EncodingAESKey must be 43 characters.*accounts\[2\]\.appid wx1 is listed twice/,
    );
    expect(() => createWebhookHandler({ accounts: [], bot })).to.throw(/at least one account/);
  });

  it('refuses a reply budget WeChat would not wait for, and a negative tolerance', () => {
    const accounts = { appid: 'wx1', token: 't' };
    expect(() => createWebhookHandler({ accounts, bot, replyBudgetMs: 5000 })).to.throw(/replyBudgetMs/);
    expect(() => createWebhookHandler({ accounts, bot, replyBudgetMs: 0 })).to.throw(/replyBudgetMs/);
    expect(() => createWebhookHandler({ accounts, bot, timestampToleranceSeconds: -1 })).to.throw(
      /tolerance/i,
    );
    expect(createWebhookHandler({ accounts, bot }).appids).to.deep.equal(['wx1']);
  });

  it('checks a push once when handlePush gets the token checkPush issued, and never trusts a forged one', async () => {
    const b = new Bot();
    b.on('message:text', (ctx) => ctx.reply('ok'));
    const webhook = createWebhookHandler({ accounts: ACCOUNT, bot: b });
    const signed = signPush(ACCOUNT, textXml({ from: 'oChecked', content: 'x', msgId: '77' }));
    const checked = webhook.checkPush({ query: signed.query });
    const answer = await webhook.handlePush({ query: signed.query, body: signed.body, checked });
    expect(readXml(answer.body)['Content']).to.equal('ok');

    // A token of another handler, or a look-alike object, stands for nothing: the query is checked again.
    const other = createWebhookHandler({ accounts: ACCOUNT, bot: b });
    const forged = signPush(
      { ...ACCOUNT, token: 'not-the-token' },
      textXml({ from: 'oForged', content: 'x' }),
    );
    for (const token of [other.checkPush({ query: signed.query }), { __checkedPush: true } as const]) {
      const refused = await webhook
        .handlePush({ query: forged.query, body: forged.body, checked: token })
        .then(
          () => null,
          (err: unknown) => err,
        );
      expect(refused).to.be.instanceOf(WireError);
    }
  });

  it('turns the timestamp window off with a tolerance of 0', async () => {
    const b = new Bot();
    b.use((ctx) => ctx.reply('old but fine'));
    const handler = createWebhookHandler({ accounts: ACCOUNT, bot: b, timestampToleranceSeconds: 0 });
    const push = signPush(ACCOUNT, textXml({ from: 'oOld', content: 'x' }), { timestamp: 1_000_000_000 });
    const answer = await handler.handlePush({ query: push.query, body: push.body });
    expect(readXml(answer.body)['Content']).to.equal('old but fine');
  });
});
