import { expect } from 'chai';
import { Bot } from '../../src/bot/bot.js';
import { ConversationService } from '../../src/kf/conversation-service.js';
import { PushNotHandledError } from '../../src/bot/push-effects.js';
import { OutsideWindowError, QuotaExceededError } from '../../src/kf/kf-errors.js';
import type { SimAccount, Simulator } from '../../src/simulator/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { startSimulatedAccount } from '../kf/test-app.js';
import type { WechatApi } from '../../src/wechat-api/index.js';
import { parseInbound } from '../../src/wire/index.js';
import type { Reply } from '../../src/wire/reply-types.js';

const HOUR = 3_600_000;

/** An inbound push as WeChat sends it (WECHAT-PROTOCOL.md §3.2), from `openid`, with `fields` after MsgType. */
function inboundXml(openid: string, msgType: string, fields: string, msgId: string): string {
  return (
    `<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName>` +
    `<CreateTime>1700000000</CreateTime><MsgType><![CDATA[${msgType}]]></MsgType>${fields}<MsgId>${msgId}</MsgId></xml>`
  );
}

describe('ConversationService', () => {
  let sim: Simulator;
  let account: SimAccount;
  let store: Store;
  let service: ConversationService;

  before(async () => {
    // No webhook: the simulator still opens each follower's window when they "write" (push to nowhere).
    let wechat: WechatApi;
    let clock: () => number;
    ({ sim, account, store, wechat, clock } = await startSimulatedAccount());
    service = new ConversationService({
      messages: store.messages,
      apiFor: (appid) => (appid === account.appid ? wechat : undefined),
      clock,
    });
  });

  after(async () => {
    await store?.close();
    await sim?.close();
  });

  /** A follower who has just written, so their 48-hour window is open. */
  async function writingFollower() {
    const follower = account.follower();
    await follower.follow();
    await follower.sendText('hi');
    return follower;
  }

  describe('sendReply', () => {
    const cases: Array<{ reply: Reply; body: Record<string, unknown>; content: string }> = [
      {
        reply: { type: 'image', mediaId: 'MEDIA_IMG' },
        body: { msgtype: 'image', image: { media_id: 'MEDIA_IMG' } },
        content: '[image MEDIA_IMG]',
      },
      {
        reply: { type: 'voice', mediaId: 'MEDIA_VOICE' },
        body: { msgtype: 'voice', voice: { media_id: 'MEDIA_VOICE' } },
        content: '[voice MEDIA_VOICE]',
      },
      {
        reply: { type: 'video', mediaId: 'MEDIA_VIDEO', title: 'Tour', description: 'Our shop' },
        body: {
          msgtype: 'video',
          video: { media_id: 'MEDIA_VIDEO', title: 'Tour', description: 'Our shop' },
        },
        content: '[video] Tour',
      },
      {
        reply: { type: 'music', thumbMediaId: 'THUMB', title: 'Song', musicUrl: 'https://example.com/a.mp3' },
        body: {
          msgtype: 'music',
          music: { title: 'Song', musicurl: 'https://example.com/a.mp3', thumb_media_id: 'THUMB' },
        },
        content: '[music] Song',
      },
    ];
    for (const { reply, body, content } of cases) {
      it(`sends a ${reply.type} reply as the matching custom message and records it`, async () => {
        const follower = await writingFollower();
        const sent = await service.sendReply(account.appid, follower.openid, reply, 'operator');
        expect(sent).to.include({ direction: 'out', type: reply.type, content, via: 'operator' });
        expect(
          account.sentMessages.filter((m) => m.touser === follower.openid).map((m) => m.body),
        ).to.deep.equal([{ touser: follower.openid, ...body }]);
        const history = await service.history(account.appid, follower.openid);
        expect(history.at(-1)).to.include({ direction: 'out', type: reply.type, content, via: 'operator' });
      });
    }

    it('sends only the first article of a news reply, the one a custom message may carry', async () => {
      const follower = await writingFollower();
      const reply: Reply = {
        type: 'news',
        articles: [
          {
            title: 'First',
            description: 'd1',
            url: 'https://example.com/1',
            picUrl: 'https://example.com/1.png',
          },
          { title: 'Second', url: 'https://example.com/2' },
        ],
      };
      const sent = await service.sendReply(account.appid, follower.openid, reply, 'late');
      expect(sent).to.include({ type: 'news', content: 'First https://example.com/1', via: 'late' });
      expect(
        account.sentMessages.filter((m) => m.touser === follower.openid).map((m) => m.body),
      ).to.deep.equal([
        {
          touser: follower.openid,
          msgtype: 'news',
          news: {
            articles: [
              {
                title: 'First',
                description: 'd1',
                url: 'https://example.com/1',
                picurl: 'https://example.com/1.png',
              },
            ],
          },
        },
      ]);
    });

    it('skips transfer_customer_service, which has no custom-message form', async () => {
      const follower = await writingFollower();
      const calls = sim.calls.length;
      const sent = await service.sendReply(
        account.appid,
        follower.openid,
        { type: 'transfer_customer_service' },
        'late',
      );
      expect(sent).to.equal(null);
      expect(sim.calls.slice(calls).map((c) => c.path)).to.not.include('/cgi-bin/message/custom/send');
      expect(await service.history(account.appid, follower.openid)).to.deep.equal([]);
    });

    it('throws QuotaExceededError when the window’s 5 messages are used up (45047)', async () => {
      const follower = await writingFollower();
      sim.clock.advance(2 * 60_000); // past the follow's 1-minute allowance: only the message's 5 remain
      for (let i = 1; i <= 5; i++)
        await service.sendText(account.appid, follower.openid, `answer ${i}`, 'operator');
      const sixth = await service
        .sendText(account.appid, follower.openid, 'answer 6', 'operator')
        .catch((e: unknown) => e);
      expect(sixth).to.be.instanceOf(QuotaExceededError);
      const outbound = (await service.history(account.appid, follower.openid)).filter(
        (m) => m.direction === 'out',
      );
      expect(outbound).to.have.length(5);
    });

    it('throws OutsideWindowError 48 hours after the follower last wrote (45015)', async () => {
      const follower = await writingFollower();
      sim.clock.advance(49 * HOUR);
      const err = await service
        .sendText(account.appid, follower.openid, 'too late', 'operator')
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(OutsideWindowError);
      expect((err as OutsideWindowError).openid).to.equal(follower.openid);
      expect(await service.history(account.appid, follower.openid)).to.deep.equal([]);
    });
  });

  describe('lateReplySink', () => {
    it('sends through custom/send and records the reply as late', async () => {
      const follower = await writingFollower();
      await service.lateReplySink(
        { appid: account.appid, openid: follower.openid },
        { type: 'text', content: 'finally' },
      );
      expect(
        account.sentMessages.filter((m) => m.touser === follower.openid).map((m) => m.body),
      ).to.deep.equal([{ touser: follower.openid, msgtype: 'text', text: { content: 'finally' } }]);
      expect((await service.history(account.appid, follower.openid)).at(-1)).to.include({
        content: 'finally',
        via: 'late',
      });
    });

    it('does not reject when WeChat refuses (nobody waits for a late reply), and records nothing', async () => {
      const follower = await writingFollower();
      sim.clock.advance(49 * HOUR);
      await service.lateReplySink(
        { appid: account.appid, openid: follower.openid },
        { type: 'text', content: 'lost' },
      );
      expect(await service.history(account.appid, follower.openid)).to.deep.equal([]);
    });
  });

  describe('recordPassiveReply', () => {
    it('records the reply a push got as outbound passive, without calling WeChat', async () => {
      const calls = sim.calls.length;
      await service.recordPassiveReply(
        { appid: account.appid, openid: 'oPassive' },
        { type: 'text', content: 'Hi' },
      );
      const history = await service.history(account.appid, 'oPassive');
      expect(history).to.have.length(1);
      expect(history[0]).to.include({ direction: 'out', type: 'text', content: 'Hi', via: 'passive' });
      expect(sim.calls.length).to.equal(calls);
    });
  });

  describe('recordInbound', () => {
    const kinds: Array<{ msgType: string; fields: string; content: string }> = [
      {
        msgType: 'image',
        fields: '<PicUrl><![CDATA[http://mmbiz.example/pic.jpg]]></PicUrl><MediaId><![CDATA[M1]]></MediaId>',
        content: 'http://mmbiz.example/pic.jpg',
      },
      {
        msgType: 'voice',
        fields:
          '<MediaId><![CDATA[M2]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[你好]]></Recognition>',
        content: '[voice] 你好',
      },
      {
        msgType: 'video',
        fields: '<MediaId><![CDATA[M3]]></MediaId><ThumbMediaId><![CDATA[T3]]></ThumbMediaId>',
        content: '[video M3]',
      },
      {
        msgType: 'shortvideo',
        fields: '<MediaId><![CDATA[M4]]></MediaId><ThumbMediaId><![CDATA[T4]]></ThumbMediaId>',
        content: '[shortvideo M4]',
      },
      {
        msgType: 'location',
        fields:
          '<Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale>' +
          '<Label><![CDATA[Guangzhou]]></Label>',
        content: 'Guangzhou (23.134521, 113.358803)',
      },
      {
        msgType: 'link',
        fields:
          '<Title><![CDATA[Docs]]></Title><Description><![CDATA[d]]></Description>' +
          '<Url><![CDATA[https://example.com/docs]]></Url>',
        content: 'Docs https://example.com/docs',
      },
    ];
    kinds.forEach(({ msgType, fields, content }, i) => {
      it(`records a ${msgType} message with a readable summary, then runs the next handler`, async () => {
        const openid = `oKind${msgType}`;
        const bot = new Bot();
        let reached = false;
        bot.use(service.recordInbound);
        bot.use(() => {
          reached = true;
        });
        await bot.handle(
          parseInbound(inboundXml(openid, msgType, fields, String(8100000000000000000n + BigInt(i)))),
          {
            appid: account.appid,
          },
        );
        expect(reached).to.equal(true);
        const history = await service.history(account.appid, openid);
        expect(history.map((m) => [m.direction, m.type, m.content, m.createTime])).to.deep.equal([
          ['in', msgType, content, 1700000000],
        ]);
      });
    });

    it('does not record follows and other events that are not the follower talking', async () => {
      const bot = new Bot();
      bot.use(service.recordInbound);
      const xml =
        '<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[oFollowOnly]]></FromUserName>' +
        '<CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>';
      await bot.handle(parseInbound(xml), { appid: account.appid });
      expect(await service.history(account.appid, 'oFollowOnly')).to.deep.equal([]);
    });

    it('does not run the handlers, and fails the push, when the conversation cannot be stored', async () => {
      const broken = await openStore('sqlite::memory:');
      await broken.close();
      const failing = new ConversationService({ messages: broken.messages, apiFor: () => undefined });
      const bot = new Bot();
      bot.use(failing.recordInbound);
      bot.on('message:text', (ctx) => ctx.reply('still here'));
      const result = await bot.handle(
        parseInbound(
          inboundXml('oBroken', 'text', '<Content><![CDATA[hello]]></Content>', '8200000000000000001'),
        ),
      );
      // The webhook answers this with an error so WeChat delivers the push again (INTERFACE.md §3).
      expect(result.reply).to.equal(null);
      expect(result.error).to.be.instanceOf(PushNotHandledError);
    });
  });
});
