import { expect } from 'chai';
import {
  ManualClock,
  startSimulator,
  type SimAccount,
  type SimFollower,
  type Simulator,
} from '../../src/simulator/index.js';
import { postJson, tokenFor } from './support.js';

const HOUR = 3600_000;

describe('simulator: customer-service messages (§6.7)', () => {
  let sim: Simulator;
  let clock: ManualClock;
  let account: SimAccount;
  let token: string;
  let fan: SimFollower;
  const send = (touser: string, text = 'hi') =>
    postJson(`${sim.url}/cgi-bin/message/custom/send?access_token=${encodeURIComponent(token)}`, {
      touser,
      msgtype: 'text',
      text: { content: text },
    });
  const post = (path: string, body: unknown) =>
    postJson(`${sim.url}${path}?access_token=${encodeURIComponent(token)}`, body);

  beforeEach(async () => {
    clock = new ManualClock();
    sim = await startSimulator({ clock });
    account = sim.createAccount();
    token = await tokenFor(sim, account);
    fan = account.follower();
  });
  afterEach(() => sim.close());

  it('allows 5 messages within 48 hours of a user message, then 45047, and 45015 after 48 hours', async () => {
    await fan.follow();
    clock.advance(2 * 60_000); // the follow's 1-minute window is over
    await fan.sendText('hello');
    for (let i = 0; i < 5; i++)
      expect(await send(fan.openid, `m${i}`)).to.deep.equal({ errcode: 0, errmsg: 'ok' });
    expect((await send(fan.openid)).errcode).to.equal(45047);
    await fan.sendText('again');
    clock.advance(48 * HOUR - 1);
    token = await tokenFor(sim, account); // the old one expired long ago
    expect((await send(fan.openid)).errcode).to.equal(0);
    clock.advance(1);
    expect((await send(fan.openid)).errcode).to.equal(45015);
  });

  it('allows 3 messages within 1 minute of a follow, and 45015 after it', async () => {
    await fan.follow();
    clock.advance(59_000);
    for (let i = 0; i < 3; i++) expect((await send(fan.openid)).errcode).to.equal(0);
    expect((await send(fan.openid)).errcode).to.equal(45047);
    await fan.click('MENU_HELP');
    clock.advance(60_000);
    expect((await send(fan.openid)).errcode).to.equal(45015);
  });

  it('answers 43004 for someone not following and 40003 for an openid the account never issued', async () => {
    expect((await send(fan.openid)).errcode).to.equal(43004);
    expect((await send('oNotAnOpenidOfThisAccount000')).errcode).to.equal(40003);
  });

  it('records what was sent, and rejects news with more than one article (45008) or an unknown msgtype (40008)', async () => {
    await fan.follow();
    const article = {
      title: 'T',
      description: 'D',
      url: 'https://example.com',
      picurl: 'https://example.com/p.png',
    };
    const news = (n: number) =>
      post('/cgi-bin/message/custom/send', {
        touser: fan.openid,
        msgtype: 'news',
        news: { articles: Array(n).fill(article) },
      });
    expect((await news(2)).errcode).to.equal(45008);
    expect((await news(1)).errcode).to.equal(0);
    expect(
      (await post('/cgi-bin/message/custom/send', { touser: fan.openid, msgtype: 'fax', fax: {} })).errcode,
    ).to.equal(40008);
    expect(
      (
        await post('/cgi-bin/message/custom/send', {
          touser: fan.openid,
          msgtype: 'text',
          text: { content: '' },
        })
      ).errcode,
    ).to.equal(44004);
    const menu = { head_content: '满意吗', list: [{ id: '101', content: '满意' }], tail_content: '谢谢' };
    expect(
      (await post('/cgi-bin/message/custom/send', { touser: fan.openid, msgtype: 'msgmenu', msgmenu: menu }))
        .errcode,
    ).to.equal(0);
    expect(account.sentMessages.map((m) => m.msgtype)).to.deep.equal(['news', 'msgmenu']);
    expect(account.sentMessages[0]).to.deep.include({ touser: fan.openid, time: clock.now() });
    expect(account.sentMessages[0]!.body.news.articles).to.have.length(1);
  });

  it('applies the typing rules: 45080 without a recent interaction, 45081 while typing, 45072 for a bad command', async () => {
    const typing = (command: string) =>
      post('/cgi-bin/message/custom/typing', { touser: fan.openid, command });
    await fan.follow();
    expect((await typing('Typing')).errcode).to.equal(0);
    expect((await typing('Typing')).errcode).to.equal(45081);
    clock.advance(15_000);
    expect((await typing('Typing')).errcode).to.equal(0);
    expect((await typing('typing')).errcode).to.equal(45072);
    clock.advance(31_000);
    expect((await typing('Typing')).errcode).to.equal(45080);
  });
});
