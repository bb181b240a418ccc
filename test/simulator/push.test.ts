import { expect } from 'chai';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { startReceiver, textReply, xmlField, type Receiver } from './support.js';

describe('simulator: pushes to the webhook (§1.3, §2, §4)', () => {
  let sim: Simulator;
  let account: SimAccount;
  let receiver: Receiver;
  let pushTimeoutMs = 5000;

  beforeEach(async () => {
    sim = await startSimulator({ pushTimeoutMs });
    account = sim.createAccount();
    receiver = await startReceiver(account);
    account.webhookUrl = receiver.url;
  });
  afterEach(async () => {
    await receiver.close();
    await sim.close();
  });

  it('signs a plaintext push with signature, timestamp, nonce and openid, and reads a text reply', async () => {
    receiver.answer = (push) => ({ xml: textReply(push, 'Welcome!') });
    const fan = account.follower();
    const result = await fan.follow();
    const [push] = receiver.pushes;
    expect(push!.verified).to.equal(true);
    expect(push!.query).to.have.keys('signature', 'timestamp', 'nonce', 'openid');
    expect(push!.query['openid']).to.equal(fan.openid);
    expect(xmlField(push!.rawBody, 'Event')).to.equal('subscribe');
    expect(xmlField(push!.rawBody, 'ToUserName')).to.equal(account.ghId);
    expect(result).to.include({ status: 200, deliveries: 1 });
    expect(result.replyError).to.equal(undefined);
    expect(result.reply).to.include({
      MsgType: 'text',
      Content: 'Welcome!',
      ToUserName: fan.openid,
      FromUserName: account.ghId,
    });
  });

  it('sends only ToUserName and Encrypt in safe mode, with a valid msg_signature, and decrypts the encrypted reply', async () => {
    account.mode = 'safe';
    receiver.answer = (push) => ({ xml: textReply(push, '你好 ]]> & <ok>') });
    const fan = account.follower();
    await fan.follow();
    const result = await fan.sendText('hello');
    const push = receiver.pushes[1]!;
    expect(push.verified).to.equal(true);
    expect(push.query).to.include({ encrypt_type: 'aes' });
    expect(push.query['msg_signature']).to.match(/^[0-9a-f]{40}$/);
    expect(push.rawBody).to.match(
      /^<xml><ToUserName><!\[CDATA\[gh_[0-9a-f]{12}\]\]><\/ToUserName><Encrypt><!\[CDATA\[[A-Za-z0-9+/=]+\]\]><\/Encrypt><\/xml>$/,
    );
    expect(xmlField(push.xml, 'Content')).to.equal('hello');
    expect(result.reply).to.include({ MsgType: 'text', Content: '你好 ]]> & <ok>' });
    expect(result.replyXml).to.match(/^<xml>/);
  });

  it('sends the plaintext fields plus Encrypt in compat mode and accepts a plaintext reply', async () => {
    account.mode = 'compat';
    receiver.answer = (push) => ({ xml: textReply(push, 'plain'), encrypt: false });
    const fan = account.follower();
    await fan.follow();
    const push = receiver.pushes[0]!;
    expect(push.verified).to.equal(true);
    expect(xmlField(push.rawBody, 'Event')).to.equal('subscribe');
    expect(push.rawBody).to.match(/<Encrypt>/);
    const result = await fan.click('MENU_HELP');
    expect(result.reply).to.include({ Content: 'plain' });
  });

  it('treats success and an empty body as no reply', async () => {
    const fan = account.follower();
    expect(await fan.follow()).to.include({ reply: null, body: 'success', deliveries: 1 });
    receiver.answer = () => ({ raw: '' });
    const result = await fan.sendText('x');
    expect(result.reply).to.equal(null);
    expect(result.replyError).to.equal(undefined);
  });

  it('reports a reply envelope with a bad MsgSignature, one encrypted for another AppID, and a plaintext reply in safe mode', async () => {
    account.mode = 'safe';
    const fan = account.follower();
    receiver.answer = (push) => ({
      xml: textReply(push, 'x'),
      envelope: (e) => ({ ...e, MsgSignature: '0'.repeat(40) }),
    });
    expect((await fan.follow()).replyError).to.match(/bad envelope signature/);
    receiver.answer = (push) => ({ xml: textReply(push, 'x'), encryptFor: 'wx0000000000000000' });
    expect((await fan.sendText('a')).replyError).to.match(/wrong appid/);
    receiver.answer = (push) => ({ xml: textReply(push, 'x'), encrypt: false });
    const plain = await fan.sendText('b');
    expect(plain.replyError).to.match(/safe mode/);
    expect(plain.reply).to.equal(null);
  });

  it('reports replies WeChat would not accept: malformed XML, wrong ToUserName, HTTP errors', async () => {
    const fan = account.follower();
    receiver.answer = () => ({ raw: '{"reply":"json"}' });
    expect((await fan.follow()).replyError).to.match(/malformed/);
    receiver.answer = (push) => ({ xml: textReply(push, 'x').replace(fan.openid, 'oSomeoneElse') });
    expect((await fan.sendText('a')).replyError).to.match(/ToUserName/);
    receiver.answer = () => ({ raw: 'boom', status: 500 });
    expect(await fan.sendText('b')).to.include({ status: 500, replyError: 'HTTP 500', deliveries: 1 });
  });

  it('sends a tampered push that a correct webhook rejects, without changing any state', async () => {
    const fan = account.follower();
    const xml = `<xml><ToUserName><![CDATA[${account.ghId}]]></ToUserName><FromUserName><![CDATA[${fan.openid}]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>`;
    const result = await account.push(xml, { tamper: true });
    expect(result.status).to.equal(401);
    expect(fan.subscribed).to.equal(false);
    expect((await account.push(xml, { timestamp: 1700000000, nonce: '12345' })).status).to.equal(200);
    expect(receiver.pushes[1]!.query).to.include({ timestamp: '1700000000', nonce: '12345' });
    expect(fan.subscribed).to.equal(true);
  });

  it('carries QR scenes: qrscene_ prefix and Ticket on follow, the bare scene on SCAN', async () => {
    const fan = account.follower();
    await fan.follow({ scene: 42 });
    await fan.scan('spring');
    const [follow, scan] = receiver.pushes;
    expect(xmlField(follow!.rawBody, 'EventKey')).to.equal('qrscene_42');
    expect(xmlField(follow!.rawBody, 'Ticket')).to.match(/^gQ/);
    expect(xmlField(scan!.rawBody, 'Event')).to.equal('SCAN');
    expect(xmlField(scan!.rawBody, 'EventKey')).to.equal('spring');
    expect(() => account.follower().scan(1)).to.throw(/does not follow/);
    expect(() => fan.follow()).to.throw(/already follows/);
  });

  it('numbers text messages with unique 64-bit MsgIds above 2^53', async () => {
    const fan = account.follower();
    await fan.follow();
    await fan.sendText('a');
    await fan.sendText('b', { bizmsgmenuid: '101' });
    const ids = receiver.pushes.slice(1).map((p) => xmlField(p.rawBody, 'MsgId') ?? '');
    expect(ids[0]).to.match(/^\d{19}$/);
    expect(ids[0]).to.not.equal(ids[1]);
    expect(BigInt(ids[0]!) > 2n ** 53n).to.equal(true);
    expect(xmlField(receiver.pushes[2]!.rawBody, 'bizmsgmenuid')).to.equal('101');
  });

  it('reports a push without a webhook as undelivered, and still applies it', async () => {
    account.webhookUrl = undefined;
    const fan = account.follower();
    expect(await fan.follow()).to.include({ deliveries: 0, replyError: 'no webhookUrl set' });
    expect(fan.subscribed).to.equal(true);
  });

  describe('when the webhook is slow', () => {
    // A short limit instead of WeChat's 5 s keeps these tests fast.
    before(() => (pushTimeoutMs = 300));
    after(() => (pushTimeoutMs = 5000));

    it('delivers the same push again when the webhook does not answer in time, and reports the deliveries', async () => {
      receiver.delay = (n) => (n === 1 ? Infinity : 0);
      receiver.answer = (push) => ({ xml: textReply(push, 'late but fine') });
      const result = await account.follower().follow();
      expect(result.deliveries).to.equal(2);
      expect(result.reply).to.include({ Content: 'late but fine' });
      expect(receiver.pushes).to.have.length(2);
      expect(receiver.pushes[1]!.rawBody).to.equal(receiver.pushes[0]!.rawBody);
      expect(receiver.pushes[1]!.query).to.deep.equal(receiver.pushes[0]!.query);
    });

    it('gives up after 4 deliveries', async () => {
      receiver.delay = () => Infinity;
      const result = await account.follower().follow();
      expect(result).to.include({ status: 0, deliveries: 4, reply: null });
      expect(result.replyError).to.match(/no answer within 300 ms/);
      expect(receiver.pushes).to.have.length(4);
    });
  });
});
