import { expect } from 'chai';
import { Bot } from '../../src/bot/bot.js';
import { Composer } from '../../src/bot/composer.js';
import type { Context } from '../../src/bot/context.js';
import { FILTER_QUERIES } from '../../src/bot/filter-queries.js';
import { eventXml, sendPush, textXml, type PushAccount } from '../support/push.js';
import { startWebhook, type WebhookServer } from '../http/webhook-server.js';

const ACCOUNT: PushAccount = { appid: 'wxcomposer00000001', token: 'composertoken' };

/** Serves `bot` and returns a function that sends one push and gives back the reply's Content (or null). */
async function serve(
  bot: Bot,
): Promise<{ send: (xml: string) => Promise<string | null>; server: WebhookServer }> {
  const server = await startWebhook({ accounts: ACCOUNT, bot });
  return {
    server,
    send: async (xml) => {
      const res = await sendPush(server.url, ACCOUNT, xml);
      expect(res.status).to.equal(200);
      if (res.reply === null) expect(res.body).to.equal('success');
      return res.reply?.['Content'] ?? null;
    },
  };
}

let seq = 0;
const from = (): string => `oComposer${++seq}`;
const text = (content: string): string => textXml({ from: from(), content });
const event = (e: string, eventKey?: string): string =>
  eventXml({ from: from(), event: e, ...(eventKey === undefined ? {} : { eventKey }) });

describe('Composer: filter queries', () => {
  let server: WebhookServer;
  let send: (xml: string) => Promise<string | null>;

  before(async () => {
    const bot = new Bot();
    bot.on('message:text', (ctx, next) => {
      // Narrowed: Content exists on a text message only.
      if (ctx.message.Content === 'pass') return next();
      ctx.reply(`text:${ctx.message.Content}`);
    });
    bot.on('event:click', (ctx) => ctx.reply(`click:${ctx.message.EventKey}`));
    bot.on(['event:subscribe', 'event:unsubscribe'], (ctx) => ctx.reply(`follow:${ctx.message.Event}`));
    bot.on('event:scan', (ctx) => ctx.reply(`scan:${ctx.message.EventKey}`));
    bot.on('message:unknown', (ctx) => ctx.reply(`unknown:${ctx.message.OriginalMsgType}`));
    bot.on('message', (ctx) => ctx.reply(`message:${ctx.message.MsgType}`));
    bot.on('event', (ctx) => ctx.reply(`event:${ctx.message.Event}`));
    ({ server, send } = await serve(bot));
  });
  after(() => server.close());

  it('routes each kind to the first matching handler', async () => {
    expect(await send(text('hi'))).to.equal('text:hi');
    expect(await send(event('CLICK', 'MENU_HELP'))).to.equal('click:MENU_HELP');
    expect(await send(event('subscribe'))).to.equal('follow:subscribe');
    expect(await send(event('unsubscribe'))).to.equal('follow:unsubscribe');
    expect(await send(event('SCAN', '42'))).to.equal('scan:42');
  });

  it('matches events case-insensitively, as wire/ names them', async () => {
    expect(await send(event('scan', '7'))).to.equal('scan:7');
    expect(await send(event('click', 'K'))).to.equal('click:K');
  });

  it('falls through to the group queries message and event', async () => {
    expect(await send(text('pass'))).to.equal('message:text');
    const image =
      `<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[${from()}]]></FromUserName>` +
      '<CreateTime>1</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[u]]></PicUrl>' +
      '<MediaId><![CDATA[m]]></MediaId><MsgId>5</MsgId></xml>';
    expect(await send(image)).to.equal('message:image');
    expect(await send(event('VIEW', 'https://example.com'))).to.equal('event:VIEW');
  });

  it('gives unknown kinds their own queries', async () => {
    const odd =
      `<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[${from()}]]></FromUserName>` +
      '<CreateTime>1</CreateTime><MsgType><![CDATA[hologram]]></MsgType><MsgId>6</MsgId></xml>';
    expect(await send(odd)).to.equal('unknown:hologram');
    expect(await send(event('brand_new_event'))).to.equal('event:unknown');
  });

  it('refuses an unknown filter query, listing the permitted names', () => {
    const bot = new Bot();
    // @ts-expect-error — not a filter query: the type rejects it as well
    expect(() => bot.on('event:scna', () => {})).to.throw(
      TypeError,
      /'event:scna'.*permitted: message, message:text/,
    );
    expect(() => bot.on([], () => {})).to.throw(TypeError);
    expect(FILTER_QUERIES).to.include.members([
      'message',
      'event',
      'event:subscribe',
      'event:scan',
      'message:text',
    ]);
  });
});

describe('Composer: hears, click, scene, filter', () => {
  let server: WebhookServer;
  let send: (xml: string) => Promise<string | null>;

  before(async () => {
    const bot = new Bot();
    bot.hears('hello', (ctx) => ctx.reply(`hears:${String(ctx.match)}`));
    bot.hears(/^order\s+(\d+)$/, (ctx) => ctx.reply(`order:${(ctx.match as RegExpMatchArray)[1]}`));
    bot.hears([/^a+$/g, 'b'], (ctx) => ctx.reply('a-or-b'));
    bot.click('MENU_HELP', (ctx) => ctx.reply('help'));
    bot.click(/^V\d+_(\w+)$/, (ctx) => ctx.reply(`v:${(ctx.match as RegExpMatchArray)[1]}`));
    bot.scene('campaign42', (ctx) => ctx.reply(`scene:${ctx.scene}:${ctx.message.Event}`));
    bot.scene(/^spring-(\d+)$/, (ctx) => ctx.reply(`spring:${(ctx.match as RegExpMatchArray)[1]}`));
    bot.filter(
      async (ctx) => ctx.message.MsgType === 'event' && ctx.message.Event === 'LOCATION',
      (ctx) => ctx.reply('async filter'),
    );
    bot.use((ctx) => ctx.reply(`fallback:scene=${ctx.scene ?? 'null'}`));
    ({ server, send } = await serve(bot));
  });
  after(() => server.close());

  it('hears exact text and RegExps, with ctx.match', async () => {
    expect(await send(text('hello'))).to.equal('hears:hello');
    expect(await send(text('hello there'))).to.match(/^fallback/);
    expect(await send(text('order 1234'))).to.equal('order:1234');
  });

  it('matches a global RegExp on every push, not every other one', async () => {
    expect(await send(text('aaa'))).to.equal('a-or-b');
    expect(await send(text('aaa'))).to.equal('a-or-b');
    expect(await send(text('b'))).to.equal('a-or-b');
  });

  it('clicks on a menu key or RegExp, and only for CLICK events', async () => {
    expect(await send(event('CLICK', 'MENU_HELP'))).to.equal('help');
    expect(await send(event('CLICK', 'V1001_TODAY'))).to.equal('v:TODAY');
    expect(await send(event('VIEW', 'MENU_HELP'))).to.match(/^fallback/);
    expect(await send(text('MENU_HELP'))).to.match(/^fallback/);
  });

  it('matches a QR scene both as a follow (qrscene_X) and as a scan (X)', async () => {
    expect(await send(event('subscribe', 'qrscene_campaign42'))).to.equal('scene:campaign42:subscribe');
    expect(await send(event('SCAN', 'campaign42'))).to.equal('scene:campaign42:SCAN');
    expect(await send(event('SCAN', 'spring-2025'))).to.equal('spring:2025');
    expect(await send(event('subscribe', 'qrscene_spring-7'))).to.equal('spring:7');
  });

  it('has no scene for a plain follow, another scene, or a key without the qrscene_ prefix', async () => {
    expect(await send(event('subscribe'))).to.equal('fallback:scene=null');
    expect(await send(event('subscribe', 'campaign42'))).to.equal('fallback:scene=null');
    expect(await send(event('subscribe', 'qrscene_other'))).to.equal('fallback:scene=other');
    expect(await send(event('CLICK', 'campaign42'))).to.equal('fallback:scene=null');
  });

  it('takes an async predicate in filter()', async () => {
    const location =
      `<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[${from()}]]></FromUserName>` +
      '<CreateTime>1</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[LOCATION]]></Event>' +
      '<Latitude>23.1</Latitude><Longitude>113.3</Longitude><Precision>119.3</Precision></xml>';
    expect(await send(location)).to.equal('async filter');
  });
});

describe('Composer: middleware algebra', () => {
  it('runs middleware in order, shares ctx.state and exposes openid and appid', async () => {
    const bot = new Bot();
    bot.use(async (ctx, next) => {
      ctx.state['order'] = ['outer'];
      await next();
      (ctx.state['order'] as string[]).push('outer-after');
    });
    bot.use((ctx, next) => {
      (ctx.state['order'] as string[]).push('inner');
      return next();
    });
    let seen: unknown;
    bot.on('message:text', (ctx) => {
      seen = { state: [...(ctx.state['order'] as string[])], openid: ctx.openid, appid: ctx.appid };
      ctx.reply('ok');
    });
    const { send, server } = await serve(bot);
    try {
      const xml = textXml({ from: 'oOrder', content: 'x' });
      expect(await send(xml)).to.equal('ok');
      expect(seen).to.deep.equal({ state: ['outer', 'inner'], openid: 'oOrder', appid: ACCOUNT.appid });
    } finally {
      await server.close();
    }
  });

  it('answers success when no handler replies', async () => {
    const bot = new Bot();
    bot.on('event:click', (ctx) => ctx.reply('never'));
    const { send, server } = await serve(bot);
    try {
      expect(await send(text('nothing for this'))).to.equal(null);
    } finally {
      await server.close();
    }
  });

  it('throws on a second next() in one middleware', async () => {
    const bot = new Bot();
    let error: unknown;
    bot.use(async (ctx, next) => {
      await next();
      try {
        await next();
      } catch (e) {
        error = e;
      }
      ctx.reply(error === undefined ? 'no error' : 'caught');
    });
    bot.use(async () => {});
    const { send, server } = await serve(bot);
    try {
      expect(await send(text('x'))).to.equal('caught');
      expect((error as Error).message).to.match(/next\(\) called twice/);
    } finally {
      await server.close();
    }
  });

  it('throws on a second next() in the last middleware too', async () => {
    const bot = new Bot();
    let error: unknown;
    bot.use(async (ctx, next) => {
      await next();
      await next().catch((e: unknown) => (error = e));
      ctx.reply('done');
    });
    const { send, server } = await serve(bot);
    try {
      expect(await send(text('x'))).to.equal('done');
      expect((error as Error).message).to.match(/next\(\) called twice/);
    } finally {
      await server.close();
    }
  });

  it('throws on a second reply and keeps the first', async () => {
    const bot = new Bot();
    let error: unknown;
    bot.use((ctx) => {
      ctx.reply('first');
      expect(ctx.replied).to.equal(true);
      try {
        ctx.reply({ type: 'text', content: 'second' });
      } catch (e) {
        error = e;
      }
    });
    const { send, server } = await serve(bot);
    try {
      expect(await send(text('x'))).to.equal('first');
      expect((error as Error).message).to.match(/reply\(\) called twice/);
    } finally {
      await server.close();
    }
  });

  it('refuses registrations once the bot has handled a push, also on nested composers', async () => {
    const bot = new Bot();
    const nested = new Composer<Context>();
    bot.use(nested);
    const branch = bot.on('message:text');
    bot.use((ctx) => ctx.reply('x'));
    const { send, server } = await serve(bot);
    try {
      expect(() => bot.use(() => {})).to.not.throw(); // not started yet: registering is fine
      await send(text('x'));
      expect(() => bot.use(() => {})).to.throw(/after the bot started/);
      expect(() => bot.on('event:click', () => {})).to.throw(/after the bot started/);
      expect(() => bot.hears('x', () => {})).to.throw(/after the bot started/);
      expect(() => nested.use(() => {})).to.throw(/after the bot started/);
      expect(() => branch.use(() => {})).to.throw(/after the bot started/);
    } finally {
      await server.close();
    }
  });

  it('catches errors inside an errorBoundary and lets the chain continue', async () => {
    const bot = new Bot();
    const caught: string[] = [];
    bot.errorBoundary(
      (err, _ctx, next) => {
        caught.push((err as Error).message);
        return next();
      },
      () => {
        throw new Error('inside');
      },
    );
    bot.use((ctx) => ctx.reply('after boundary'));
    const { send, server } = await serve(bot);
    try {
      expect(await send(text('x'))).to.equal('after boundary');
      expect(caught).to.deep.equal(['inside']);
    } finally {
      await server.close();
    }
  });

  it('composes nested composers as middleware', async () => {
    const feature = new Composer<Context>();
    feature.hears('ping', (ctx) => ctx.reply('pong'));
    const bot = new Bot();
    bot.use(feature);
    const { send, server } = await serve(bot);
    try {
      expect(await send(text('ping'))).to.equal('pong');
    } finally {
      await server.close();
    }
  });
});
