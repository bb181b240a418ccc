import { expect } from 'chai';
import { Bot } from '../../src/bot/bot.js';
import { parseInbound } from '../../src/wire/index.js';
import { eventXml, textXml } from '../support/push.js';

/**
 * Narrowing is a compile-time property: the `@ts-expect-error` lines below fail `npm run typecheck` if a
 * filter query stops narrowing (or narrows to the wrong kind). The runtime halves check the same handlers
 * through Bot.handle.
 */
describe('filter queries narrow ctx.message', () => {
  it('narrows message:text to a text message and event:click to a click', async () => {
    const bot = new Bot();
    bot.on('message:text', (ctx) => {
      const content: string = ctx.message.Content;
      // @ts-expect-error — a text message has no EventKey
      void ctx.message.EventKey;
      ctx.reply(content);
    });
    bot.on('event:click', (ctx) => {
      const key: string = ctx.message.EventKey;
      // @ts-expect-error — a click has no Content
      void ctx.message.Content;
      ctx.reply(key);
    });
    const text = await bot.handle(parseInbound(textXml({ from: 'o1', content: 'typed' })));
    expect(text.reply).to.deep.equal({ type: 'text', content: 'typed' });
    const click = await bot.handle(parseInbound(eventXml({ from: 'o1', event: 'CLICK', eventKey: 'K1' })));
    expect(click.reply).to.deep.equal({ type: 'text', content: 'K1' });
  });

  it('narrows event:scan to SCAN (canonical case) and several queries to their union', async () => {
    const bot = new Bot();
    bot.on('event:scan', (ctx) => {
      const event: 'SCAN' = ctx.message.Event;
      ctx.reply(`${event}:${ctx.message.EventKey}`);
    });
    bot.on(['event:subscribe', 'event:unsubscribe'], (ctx) => {
      const event: 'subscribe' | 'unsubscribe' = ctx.message.Event;
      ctx.reply(event);
    });
    const scan = await bot.handle(parseInbound(eventXml({ from: 'o2', event: 'SCAN', eventKey: 'spring' })));
    expect(scan.reply).to.deep.equal({ type: 'text', content: 'SCAN:spring' });
    const unfollow = await bot.handle(parseInbound(eventXml({ from: 'o2', event: 'unsubscribe' })));
    expect(unfollow.reply).to.deep.equal({ type: 'text', content: 'unsubscribe' });
  });

  it('types ctx.scene as a string in scene() handlers and ctx.match in hears()', async () => {
    const bot = new Bot();
    bot.scene('s1', (ctx) => {
      const scene: string = ctx.scene;
      const event: 'subscribe' | 'SCAN' = ctx.message.Event;
      ctx.reply(`${scene}/${event}`);
    });
    bot.hears(/^n(\d)$/, (ctx) => {
      const match: string | RegExpMatchArray = ctx.match;
      ctx.reply(typeof match === 'string' ? match : (match[1] ?? ''));
    });
    bot.use((ctx) => {
      // Outside a scene handler the scene may be missing.
      // @ts-expect-error — string | null is not string
      const scene: string = ctx.scene;
      void scene;
    });
    const follow = await bot.handle(
      parseInbound(eventXml({ from: 'o3', event: 'subscribe', eventKey: 'qrscene_s1' })),
    );
    expect(follow.reply).to.deep.equal({ type: 'text', content: 's1/subscribe' });
    const n = await bot.handle(parseInbound(textXml({ from: 'o3', content: 'n7' })));
    expect(n.reply).to.deep.equal({ type: 'text', content: '7' });
  });
});

describe('Bot.handle', () => {
  it('returns no reply when no handler answers, and the error of a throwing handler', async () => {
    const bot = new Bot();
    bot.hears('boom', () => {
      throw new Error('boom');
    });
    const quiet = await bot.handle(parseInbound(textXml({ from: 'o4', content: 'hello' })));
    expect(quiet).to.deep.equal({ reply: null, xml: null });
    const failed = await bot.handle(parseInbound(textXml({ from: 'o4', content: 'boom' })));
    expect((failed.error as Error).message).to.equal('boom');
  });

  it('renders the reply XML addressed back to the sender, CreateTime in seconds', async () => {
    const bot = new Bot();
    bot.use((ctx) => ctx.reply({ type: 'image', mediaId: 'M1' }));
    const result = await bot.handle(parseInbound(textXml({ from: 'oSender', content: 'x', to: 'gh_acct' })), {
      clock: () => 1_700_000_000_999,
    });
    expect(result.xml).to.equal(
      '<xml><ToUserName><![CDATA[oSender]]></ToUserName><FromUserName><![CDATA[gh_acct]]></FromUserName>' +
        '<CreateTime>1700000000</CreateTime><MsgType><![CDATA[image]]></MsgType>' +
        '<Image><MediaId><![CDATA[M1]]></MediaId></Image></xml>',
    );
  });
});
