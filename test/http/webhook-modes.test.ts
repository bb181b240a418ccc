import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { Bot } from '../../src/bot/bot.js';
import {
  eventXml,
  nowSeconds,
  openReply,
  postPush,
  readXml,
  sendPush,
  signPush,
  textXml,
  verificationSearch,
  type PushAccount,
} from '../support/push.js';
import { startWebhook, type WebhookServer } from './webhook-server.js';

const ACCOUNT: PushAccount = {
  appid: 'wx1234567890abcdef',
  token: 'testtoken',
  encodingAesKey: 'OhbVrpoiVgRV5IfLBcbfnoGMbJmTPSIAoCLrZ3aWZkS',
};
const SECOND: PushAccount = {
  appid: 'wx2222222222222222',
  token: 'secondtoken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};
const PLAIN_ONLY: PushAccount = { appid: 'wx3333333333333333', token: 'plaintoken' };

interface Vector {
  id: string;
  token: string;
  encodingAESKey: string | null;
  appId: string | null;
  timestamp: string;
  nonce: string;
  encrypt: string | null;
  msgSignature: string | null;
  signature: string | null;
  echostr?: string;
  plaintext?: string;
}
const VECTORS = JSON.parse(
  readFileSync(new URL('../../fixtures/crypto-vectors.json', import.meta.url), 'utf8'),
) as Vector[];
const vector = (id: string): Vector => {
  const v = VECTORS.find((x) => x.id === id);
  if (v === undefined) throw new Error(`no vector ${id}`);
  return v;
};

/** Echoes what it saw: the account, the text, the scene. */
function echoBot(): Bot {
  const bot = new Bot();
  bot.on('message:text', (ctx) => ctx.reply(`${ctx.appid}:${ctx.message.Content}`));
  bot.on('event:subscribe', (ctx) => ctx.reply(`welcome ${ctx.scene ?? '-'}`));
  return bot;
}

describe('webhook: message modes and accounts', () => {
  let server: WebhookServer;
  before(async () => {
    server = await startWebhook({ accounts: [ACCOUNT, SECOND, PLAIN_ONLY], bot: echoBot() });
  });
  after(() => server.close());

  it('answers a plaintext push in plaintext even though the account has an AES key', async () => {
    const res = await sendPush(server.url, ACCOUNT, textXml({ from: 'oPlain', content: 'hi' }));
    expect(res.status).to.equal(200);
    expect(res.encrypted).to.equal(false);
    expect(res.contentType).to.match(/^text\/xml/);
    expect(res.reply).to.include({ ToUserName: 'oPlain', FromUserName: 'gh_test0000001', MsgType: 'text' });
    expect(res.reply?.['Content']).to.equal(`${ACCOUNT.appid}:hi`);
  });

  it('answers a safe-mode push encrypted, with a valid MsgSignature and times in seconds', async () => {
    const before = nowSeconds();
    const push = signPush(ACCOUNT, textXml({ from: 'oSafe', content: 'secret' }), { mode: 'safe' });
    const res = await postPush(server.url, push);
    expect(res.status).to.equal(200);
    expect(res.contentType).to.match(/^text\/xml/);
    const { xml, envelope } = openReply(ACCOUNT, res.body);
    const reply = readXml(xml);
    expect(reply['Content']).to.equal(`${ACCOUNT.appid}:secret`);
    expect(reply['ToUserName']).to.equal('oSafe');
    for (const t of [Number(envelope['TimeStamp']), Number(reply['CreateTime'])]) {
      expect(t).to.be.within(before - 1, nowSeconds() + 1);
    }
    expect(res.body).to.not.include('secret');
  });

  it('answers a compatible-mode push encrypted', async () => {
    const res = await sendPush(server.url, ACCOUNT, textXml({ from: 'oCompat', content: 'c' }), {
      mode: 'compat',
    });
    expect(res.encrypted).to.equal(true);
    expect(res.reply?.['Content']).to.equal(`${ACCOUNT.appid}:c`);
  });

  it('sends success unencrypted as text/plain when nothing replies to an encrypted push', async () => {
    const res = await postPush(
      server.url,
      signPush(ACCOUNT, eventXml({ from: 'oQuiet', event: 'unsubscribe' }), { mode: 'safe' }),
    );
    expect(res.status).to.equal(200);
    expect(res.body).to.equal('success');
    expect(res.contentType).to.match(/^text\/plain/);
  });

  it('trusts the encrypted content of a compatible-mode push, not its plaintext copy', async () => {
    const push = signPush(ACCOUNT, textXml({ from: 'oCompat2', content: 'real' }), { mode: 'compat' });
    push.body = push.body.replace('<![CDATA[real]]>', '<![CDATA[forged]]>');
    const res = await postPush(server.url, push);
    expect(readXml(openReply(ACCOUNT, res.body).xml)['Content']).to.equal(`${ACCOUNT.appid}:real`);
  });

  it('serves a second account at /wechat/:appid with its own token and key', async () => {
    const url = `${server.origin}/wechat/${SECOND.appid}`;
    const safe = await sendPush(url, SECOND, textXml({ from: 'oTwo', content: 'x' }), { mode: 'safe' });
    expect(safe.reply?.['Content']).to.equal(`${SECOND.appid}:x`);
    // The default account's token does not open the second account's door, nor the other way round.
    expect((await postPush(url, signPush(ACCOUNT, textXml({ from: 'oTwo', content: 'y' })))).status).to.equal(
      401,
    );
    expect(
      (await postPush(server.url, signPush(SECOND, textXml({ from: 'oTwo', content: 'z' })))).status,
    ).to.equal(401);
  });

  it('answers a compatible-mode push in plaintext for an account without an AES key', async () => {
    const url = `${server.origin}/wechat/${PLAIN_ONLY.appid}`;
    const withKey = { ...PLAIN_ONLY, encodingAesKey: ACCOUNT.encodingAesKey };
    const compat = await sendPush(url, withKey, textXml({ from: 'oMig', content: 'm' }), { mode: 'compat' });
    expect(compat.status).to.equal(200);
    expect(compat.encrypted).to.equal(false);
    expect(compat.reply?.['Content']).to.equal(`${PLAIN_ONLY.appid}:m`);
    // A safe-mode body carries nothing readable without the key.
    const safe = await postPush(
      url,
      signPush(withKey, textXml({ from: 'oMig', content: 'n' }), { mode: 'safe' }),
    );
    expect(safe.status).to.equal(400);
  });

  it('echoes echostr verbatim on a valid GET URL verification', async () => {
    const echostr = '4375120948345356249';
    const res = await fetch(server.url + verificationSearch(ACCOUNT.token, echostr));
    expect(res.status).to.equal(200);
    expect(await res.text()).to.equal(echostr);
    expect(res.headers.get('content-type')).to.match(/^text\/plain/);
    const second = await fetch(
      `${server.origin}/wechat/${SECOND.appid}${verificationSearch(SECOND.token, 'e2')}`,
    );
    expect(await second.text()).to.equal('e2');
  });
});

describe('webhook: official vectors through the whole middleware (WECHAT-PROTOCOL.md §2.8)', () => {
  let server: WebhookServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** A server on the vector's account with the clock at the vector's time (its timestamp is years old). */
  async function serve(v: Vector, bot = echoBot()): Promise<WebhookServer> {
    server = await startWebhook({
      accounts: {
        appid: v.appId ?? 'wxvector',
        token: v.token,
        encodingAesKey: v.encodingAESKey ?? undefined,
      },
      bot,
      clock: () => Number(v.timestamp) * 1000,
    });
    return server;
  }

  it('answers the official GET verification example with its echostr', async () => {
    const v = vector('official-doc-url-verify-get');
    const s = await serve(v);
    const query = new URLSearchParams({
      signature: v.signature as string,
      timestamp: v.timestamp,
      nonce: v.nonce,
      echostr: v.echostr as string,
    });
    const res = await fetch(`${s.url}?${query.toString()}`);
    expect(res.status).to.equal(200);
    expect(await res.text()).to.equal('4375120948345356249');
  });

  it('accepts the official plaintext POST signature', async () => {
    const v = vector('official-doc-plain-post');
    const s = await serve(v);
    const query = new URLSearchParams({
      signature: v.signature as string,
      timestamp: v.timestamp,
      nonce: v.nonce,
    });
    const res = await fetch(`${s.url}?${query.toString()}`, {
      method: 'POST',
      body: textXml({ from: 'oOfficial', content: 'hello', createTime: Number(v.timestamp) }),
    });
    expect(res.status).to.equal(200);
    expect(readXml(await res.text())['Content']).to.equal('wxvector:hello');
  });

  it('decrypts the official compatible-mode sample, replies to its text and encrypts the reply', async () => {
    const v = vector('oa-official-sample-spamtest');
    const bot = new Bot();
    let seen: unknown;
    bot.hears('abcdteT', (ctx) => {
      seen = { openid: ctx.openid, msgId: ctx.message.MsgId, key: ctx.dedupKey };
      ctx.reply('got it');
    });
    const s = await serve(v, bot);
    const query = new URLSearchParams({
      signature: v.signature as string,
      timestamp: v.timestamp,
      nonce: v.nonce,
      openid: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs',
      encrypt_type: 'aes',
      msg_signature: v.msgSignature as string,
    });
    const body = (v.plaintext as string).replace(
      '</xml>',
      `<Encrypt><![CDATA[${v.encrypt}]]></Encrypt></xml>`,
    );
    const res = await fetch(`${s.url}?${query.toString()}`, { method: 'POST', body });
    expect(res.status).to.equal(200);
    const account = { appid: v.appId as string, token: v.token, encodingAesKey: v.encodingAESKey as string };
    const reply = readXml(openReply(account, await res.text()).xml);
    expect(reply).to.include({ Content: 'got it', ToUserName: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs' });
    expect(reply['FromUserName']).to.equal('gh_10f6c3c3ac5a');
    expect(seen).to.deep.include({ openid: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs', msgId: '6054768590064713728' });
  });

  it('passes the official safe-mode example through msg_signature and AppID checks (its JSON content is 400)', async () => {
    const v = vector('official-doc-safe-mode-inbound');
    const s = await serve(v);
    const query = new URLSearchParams({
      signature: v.signature as string,
      timestamp: v.timestamp,
      nonce: v.nonce,
      openid: 'o9AgO5Kd5ggOC-bXrbNODIiE3bGY',
      encrypt_type: 'aes',
      msg_signature: v.msgSignature as string,
    });
    const body = `<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName><Encrypt><![CDATA[${v.encrypt}]]></Encrypt></xml>`;
    const res = await fetch(`${s.url}?${query.toString()}`, { method: 'POST', body });
    // 400, not 401: the signature and the AppID trailer were right; the decrypted body is mini-program JSON.
    expect(res.status).to.equal(400);
    const tampered = new URLSearchParams(query);
    tampered.set('msg_signature', '0'.repeat(40));
    expect((await fetch(`${s.url}?${tampered.toString()}`, { method: 'POST', body })).status).to.equal(401);
  });
});
