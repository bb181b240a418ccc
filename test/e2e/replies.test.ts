/**
 * Issue 5, end to end: every reply rule of a config file answering real pushes from the simulated platform;
 * code handlers beside the rules; the reply budget (a slow handler's reply arrives later through
 * customer-service `custom/send`); a failing handler; a slow WeChat API never holding up an answer.
 */
import { expect } from 'chai';
import { Composer } from '../../src/bot/composer.js';
import type { Context } from '../../src/bot/context.js';
import {
  startSimulator,
  type PushResult,
  type SimAccount,
  type Simulator,
} from '../../src/simulator/index.js';
import {
  callsTo,
  e2eDatabase,
  eventually,
  startE2eServer,
  type E2eDatabase,
  type E2eServer,
} from '../support/server.js';

/** WXOA_REPLY_BUDGET_MS for this suite: low, so the budget tests are quick. */
const BUDGET_MS = 300;
/** The `slow` handler replies only once the test resolves this: after its push was answered. */
let releaseSlowHandler!: () => void;
const slowHandlerMayReply = new Promise<void>((resolve) => (releaseSlowHandler = resolve));

const RULES = {
  subscribe: { type: 'text', content: 'Welcome!' },
  scenes: {
    spring: { type: 'text', content: 'Welcome, spring visitor' },
    quiet: null,
  },
  keywords: [
    { match: 'exact', pattern: 'hello', reply: { type: 'text', content: 'Hi' } },
    { match: 'exact', pattern: 'code', reply: { type: 'text', content: 'from the rules' } },
    {
      match: 'contains',
      pattern: 'price',
      reply: {
        type: 'news',
        articles: [
          {
            title: 'Prices',
            description: 'What everything costs',
            url: 'https://example.com/prices',
            picUrl: 'https://example.com/prices.png',
          },
        ],
      },
    },
    { match: 'regex', pattern: '^order\\s+\\d+$', reply: { type: 'transfer_customer_service' } },
  ],
  clicks: { MENU_HELP: { type: 'text', content: 'How can we help?' } },
  default: { type: 'text', content: 'Sorry, I did not get that.' },
};

describe('e2e: replies from the config file and from code', function () {
  let sim: Simulator;
  let account: SimAccount;
  let db: E2eDatabase;
  let server: E2eServer;

  before(async function () {
    db = await e2eDatabase('sqlite', this);
    sim = await startSimulator();
    account = sim.createAccount({ mode: 'safe' });
    const handlers = new Composer<Context>();
    // A code handler for a keyword the rules also answer: the code wins.
    handlers.hears('code', (ctx) => ctx.reply('from the code'));
    // A handler that only looks, then lets the rules answer.
    handlers.on('message:text', async (ctx, next) => {
      ctx.state['seen'] = true;
      await next();
    });
    handlers.hears('slow', async (ctx) => {
      await slowHandlerMayReply;
      ctx.reply('Sorry for the wait');
    });
    handlers.hears('boom', () => {
      throw new Error('handler bug');
    });
    server = await startE2eServer({
      sim,
      account,
      databaseUrl: db.url,
      configFile: { replies: RULES },
      env: { WXOA_REPLY_BUDGET_MS: String(BUDGET_MS) },
      handlers,
    });
  });

  after(async () => {
    await server?.close();
    await sim?.close();
    await db?.dispose();
  });

  /** The text of a passive text reply, checking it is addressed back to the follower. */
  function textOf(result: PushResult, openid: string): string {
    expect(result.status).to.equal(200);
    expect(result.replyError, result.body).to.equal(undefined);
    expect(result.reply, 'a passive reply').to.not.equal(null);
    expect(result.reply).to.include({ ToUserName: openid, FromUserName: account.ghId, MsgType: 'text' });
    return result.reply!['Content'] as string;
  }

  /** An answer of `success` (no passive reply), accepted by WeChat. */
  function expectSuccess(result: PushResult): void {
    expect(result.status).to.equal(200);
    expect(result.body).to.equal('success');
    expect(result.replyError).to.equal(undefined);
    expect(result.reply).to.equal(null);
  }

  async function following(): Promise<ReturnType<SimAccount['follower']>> {
    const follower = account.follower();
    await follower.follow();
    return follower;
  }

  describe('welcome', () => {
    it('welcomes a plain follow with the subscribe reply', async () => {
      const follower = account.follower();
      expect(textOf(await follower.follow(), follower.openid)).to.equal('Welcome!');
    });

    it('welcomes a follow through a QR scene with that scene’s reply', async () => {
      const follower = account.follower();
      expect(textOf(await follower.follow({ scene: 'spring' }), follower.openid)).to.equal(
        'Welcome, spring visitor',
      );
    });

    it('falls back to the subscribe reply for a scene without its own', async () => {
      const follower = account.follower();
      expect(textOf(await follower.follow({ scene: 'summer' }), follower.openid)).to.equal('Welcome!');
    });

    it('stays silent for a scene set to null', async () => {
      expectSuccess(await account.follower().follow({ scene: 'quiet' }));
    });
  });

  describe('scans by followers', () => {
    it('answers a SCAN of a scene with that scene’s reply', async () => {
      const follower = await following();
      expect(textOf(await follower.scan('spring'), follower.openid)).to.equal('Welcome, spring visitor');
    });

    it('does not welcome a follower again for a scene without a reply', async () => {
      const follower = await following();
      expectSuccess(await follower.scan('summer'));
    });
  });

  describe('keywords', () => {
    it('answers an exact keyword, trimmed, and not a longer text containing it', async () => {
      const follower = await following();
      expect(textOf(await follower.sendText(' hello '), follower.openid)).to.equal('Hi');
      expect(textOf(await follower.sendText('hello there'), follower.openid)).to.equal(
        'Sorry, I did not get that.',
      );
    });

    it('answers a text containing a keyword with a news reply', async () => {
      const follower = await following();
      const result = await follower.sendText('what is the price of tea?');
      expect(result.replyError).to.equal(undefined);
      expect(result.reply).to.include({ MsgType: 'news', ArticleCount: '1' });
      expect(result.replyXml).to.contain('<Title><![CDATA[Prices]]></Title>');
      expect(result.replyXml).to.contain('<Url><![CDATA[https://example.com/prices]]></Url>');
      expect(result.replyXml).to.contain('<PicUrl><![CDATA[https://example.com/prices.png]]></PicUrl>');
      expect(result.replyXml).to.contain('<Description><![CDATA[What everything costs]]></Description>');
    });

    it('transfers a text matching a regular expression to customer service', async () => {
      const follower = await following();
      const result = await follower.sendText('order 12345');
      expect(result.replyError).to.equal(undefined);
      expect(result.reply).to.include({ MsgType: 'transfer_customer_service', ToUserName: follower.openid });
      expect(textOf(await follower.sendText('order twelve'), follower.openid)).to.equal(
        'Sorry, I did not get that.',
      );
    });

    it('answers any other text with the default reply', async () => {
      const follower = await following();
      expect(textOf(await follower.sendText('something else'), follower.openid)).to.equal(
        'Sorry, I did not get that.',
      );
    });
  });

  describe('menu clicks', () => {
    it('answers a click with the reply for its key, and an unknown key with success', async () => {
      const follower = await following();
      expect(textOf(await follower.click('MENU_HELP'), follower.openid)).to.equal('How can we help?');
      expectSuccess(await follower.click('MENU_UNKNOWN'));
    });
  });

  describe('code handlers and rules together', () => {
    it('lets a code handler that replies win over a rule for the same keyword', async () => {
      const follower = await following();
      expect(textOf(await follower.sendText('code'), follower.openid)).to.equal('from the code');
    });

    it('lets the rules answer after a code handler that passes the push on', async () => {
      const follower = await following();
      expect(textOf(await follower.sendText('hello'), follower.openid)).to.equal('Hi');
    });
  });

  describe('the reply budget', () => {
    it('answers success within the budget for a slow handler, and delivers its reply through custom/send', async () => {
      const follower = await following();
      const result = await follower.sendText('slow');

      // The handler has not replied yet: success came from the budget running out, in time for WeChat (one
      // delivery, no retry).
      expectSuccess(result);
      expect(result.deliveries).to.equal(1);
      releaseSlowHandler();
      await eventually('the late reply reaches WeChat', () =>
        account.sentMessages.some((m) => m.touser === follower.openid),
      );
      const sent = account.sentMessages.filter((m) => m.touser === follower.openid);
      expect(sent).to.have.length(1);
      expect(sent[0]!.body).to.deep.equal({
        touser: follower.openid,
        msgtype: 'text',
        text: { content: 'Sorry for the wait' },
      });
      // Recorded once WeChat accepted it, so a moment after the simulator saw it. Inbound times are WeChat's
      // CreateTime (whole seconds), so the welcome made within the same second may sort after the question:
      // compare the question and its late answer only.
      let last: string[][] = [];
      await eventually('the late reply is recorded', async () => {
        const { body } = await server.api(`/api/conversations/${follower.openid}/messages`);
        last = body.messages
          .map((m: { direction: string; content: string }) => [m.direction, m.content])
          .filter(([, content]: string[]) => content === 'slow' || content === 'Sorry for the wait');
        return last.at(-1)?.[1] === 'Sorry for the wait';
      });
      expect(last).to.deep.equal([
        ['in', 'slow'],
        ['out', 'Sorry for the wait'],
      ]);
    });

    it('answers success, not an error, when a handler throws', async () => {
      const follower = await following();
      const result = await follower.sendText('boom');
      expectSuccess(result);
      expect(result.deliveries).to.equal(1);
      expect(account.sentMessages.filter((m) => m.touser === follower.openid)).to.have.length(0);
      // The server keeps serving.
      expect(textOf(await follower.sendText('hello'), follower.openid)).to.equal('Hi');
    });

    it('answers within the budget while the WeChat API is slow', async () => {
      // user/info/batchget takes 2 s: the follow's enrichment is in flight while the follower talks.
      await server.wxoa.enrichment.drain(); // earlier follows are enriched: the next batchget is this one's
      sim.misbehave({ path: '/cgi-bin/user/info/batchget', kind: 'slow', ms: 2000 });
      const started = sim.clock.now();
      const follower = account.follower();
      const follow = await follower.follow({ scene: 'spring' });
      expect(textOf(follow, follower.openid)).to.equal('Welcome, spring visitor');
      // Enrich now rather than after the debounce: the slow call is under way while the follower talks.
      let enriched = false;
      const enriching = server.wxoa.enrichment.drain().then(() => (enriched = true));

      const text = await follower.sendText('hello');
      expect(textOf(text, follower.openid)).to.equal('Hi');
      expect(text.deliveries).to.equal(1);
      // Answered before WeChat answered the call (the simulator lists a call once it has answered it).
      expect(enriched).to.equal(false);
      expect(callsTo(sim, '/cgi-bin/user/info/batchget').filter((c) => c.time >= started)).to.have.length(0);
      const { body } = await server.api(`/api/followers/${follower.openid}`);
      expect(body).to.include({ subscribed: true, scene: 'spring', enrichedAt: null });
      await enriching;
    });
  });
});
