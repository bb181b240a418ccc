import { request } from 'node:http';
import { expect } from 'chai';
import { Bot } from '../../src/bot/bot.js';
import { MemoryReplyRecordStore } from '../../src/bot/memory-reply-store.js';
import {
  encrypt,
  eventXml,
  nowSeconds,
  postPush,
  sendPush,
  sign,
  signPush,
  textXml,
  verificationSearch,
  type PushAccount,
} from '../support/push.js';
import { captureLogger, startWebhook, type WebhookServer } from './webhook-server.js';

const ACCOUNT: PushAccount = {
  appid: 'wx1234567890abcdef',
  token: 'testtoken',
  encodingAesKey: 'OhbVrpoiVgRV5IfLBcbfnoGMbJmTPSIAoCLrZ3aWZkS',
};

describe('webhook: refused requests (INTERFACE.md §3)', () => {
  let server: WebhookServer;
  let runs: string[];
  let contents: string[];
  const store = new MemoryReplyRecordStore();
  const { logger, lines } = captureLogger();

  before(async () => {
    const bot = new Bot();
    bot.use((ctx) => {
      runs.push(ctx.dedupKey);
      if (ctx.message.MsgType === 'text') contents.push(ctx.message.Content);
      ctx.reply('handled');
    });
    server = await startWebhook({
      accounts: ACCOUNT,
      bot,
      replyStore: store,
      logger,
    });
  });
  beforeEach(() => {
    runs = [];
    contents = [];
  });
  after(() => server.close());

  /** Sends `xml` correctly signed afterwards: proves the refused delivery neither ran nor stored anything. */
  async function expectUntouched(xml: string, mode: 'plain' | 'safe' = 'plain'): Promise<void> {
    expect(runs).to.deep.equal([]);
    const ok = await sendPush(server.url, ACCOUNT, xml, { mode });
    expect(ok.status).to.equal(200);
    expect(ok.reply?.['Content']).to.equal('handled');
    expect(runs).to.have.length(1);
  }

  it('refuses a push with a wrong signature with 401, running no handler and storing nothing', async () => {
    const xml = textXml({ from: 'oUser1', content: 'hi' });
    const res = await postPush(server.url, signPush(ACCOUNT, xml, { tamper: true }));
    expect(res.status).to.equal(401);
    expect(res.body).to.equal('invalid signature');
    await expectUntouched(xml);
  });

  it('refuses a push signed with another token with 401', async () => {
    const xml = textXml({ from: 'oUser2', content: 'hi' });
    const res = await postPush(server.url, signPush({ ...ACCOUNT, token: 'othertoken' }, xml));
    expect(res.status).to.equal(401);
    await expectUntouched(xml);
  });

  it('refuses a correctly signed push whose timestamp is an hour old with 401', async () => {
    const xml = textXml({ from: 'oUser3', content: 'hi' });
    const res = await postPush(server.url, signPush(ACCOUNT, xml, { timestamp: nowSeconds() - 3600 }));
    expect(res.status).to.equal(401);
    expect(res.body).to.equal('invalid timestamp');
    await expectUntouched(xml);
  });

  it('refuses a push from the future beyond the tolerance and one without a timestamp', async () => {
    const xml = textXml({ from: 'oUser4', content: 'hi' });
    expect(
      (await postPush(server.url, signPush(ACCOUNT, xml, { timestamp: nowSeconds() + 301 }))).status,
    ).to.equal(401);
    const push = signPush(ACCOUNT, xml);
    const res = await fetch(`${server.url}?signature=${push.query['signature']}&nonce=${push.nonce}`, {
      method: 'POST',
      body: xml,
    });
    expect(res.status).to.equal(401);
    await expectUntouched(xml);
  });

  it('refuses a safe-mode push with a wrong msg_signature with 401', async () => {
    const xml = textXml({ from: 'oUser5', content: 'hi' });
    const res = await postPush(server.url, signPush(ACCOUNT, xml, { mode: 'safe', tamper: true }));
    expect(res.status).to.equal(401);
    await expectUntouched(xml, 'safe');
  });

  it('refuses a safe-mode push whose signature is valid but which was encrypted for another AppID with 401', async () => {
    const xml = textXml({ from: 'oUser6', content: 'hi' });
    const res = await postPush(
      server.url,
      signPush(ACCOUNT, xml, { mode: 'safe', encryptAppid: 'wx0000000000000000' }),
    );
    expect(res.status).to.equal(401);
    expect(res.body).to.equal('wrong appid');
    await expectUntouched(xml, 'safe');
  });

  it('refuses a signed body that is not WeChat XML with 400', async () => {
    for (const body of ['not xml at all', '<xml><ToUserName>gh</ToUserName>', '<root><a>1</a></root>', '']) {
      const res = await postPush(server.url, { ...signPush(ACCOUNT, 'x'), body });
      expect(res.status, body).to.equal(400);
      expect(res.body).to.equal('bad request');
    }
    const noType =
      '<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime></xml>';
    expect((await postPush(server.url, { ...signPush(ACCOUNT, 'x'), body: noType })).status).to.equal(400);
    expect(runs).to.deep.equal([]);
  });

  it('refuses a signed body that is not well-formed XML 1.0 with 400, running and storing nothing', async () => {
    const xml = textXml({ from: 'oWellFormed', content: 'hi', msgId: '7300000000000000777' });
    const bodies: Array<[string, string | Buffer]> = [
      ['a mismatched end tag', xml.replace('</Content>', '</Contents>')],
      ['a missing end tag', xml.replace('</MsgId>', '')],
      ['NUL inside the OpenID', xml.replace('oWellFormed', 'oWell\u0000Formed')],
      ['a control character', xml.replace('<![CDATA[hi]]>', 'h\u0007i')],
      ['"]]>" in bare text', xml.replace('<![CDATA[hi]]>', 'h]]>i')],
      ['an unquoted attribute', xml.replace('<Content>', '<Content a=b>')],
      ['an undeclared entity', xml.replace('<![CDATA[hi]]>', '&nbsp;')],
      [
        'invalid UTF-8',
        Buffer.concat([Buffer.from(xml.slice(0, 60)), Buffer.from([0xff, 0xc3]), Buffer.from(xml.slice(60))]),
      ],
    ];
    for (const [what, body] of bodies) {
      const push = signPush(ACCOUNT, xml);
      const res = await fetch(server.url + push.search, { method: 'POST', body });
      expect(res.status, what).to.equal(400);
      expect(await res.text()).to.equal('bad request');
    }
    await expectUntouched(xml);
  });

  it('decodes character references and predefined entities before the handlers see the push', async () => {
    const xml = textXml({ from: 'oRefs', content: 'x' }).replace(
      '<Content><![CDATA[x]]></Content>',
      '<Content>&#65;&#x4E2D; &lt;b&gt; &amp; &quot;q&quot;</Content>',
    );
    expect((await sendPush(server.url, ACCOUNT, xml)).status).to.equal(200);
    expect(contents).to.deep.equal(['A中 <b> & "q"']);
  });

  it('refuses a DOCTYPE body (entity expansion) with 400', async () => {
    const body =
      '<!DOCTYPE xml [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><xml><ToUserName>&b;</ToUserName></xml>';
    const res = await postPush(server.url, { ...signPush(ACCOUNT, 'x'), body });
    expect(res.status).to.equal(400);
  });

  it('refuses a safe-mode push whose Encrypt does not decrypt with 400', async () => {
    const timestamp = String(nowSeconds());
    const nonce = '12345';
    for (const encrypted of ['bm90IGEgY2lwaGVydGV4dA==', 'A'.repeat(43) + '=', '!!!!']) {
      const query = new URLSearchParams({
        signature: sign(ACCOUNT.token, timestamp, nonce),
        timestamp,
        nonce,
        openid: 'o',
        encrypt_type: 'aes',
        msg_signature: sign(ACCOUNT.token, timestamp, nonce, encrypted),
      });
      const res = await fetch(`${server.url}?${query.toString()}`, {
        method: 'POST',
        body: `<xml><ToUserName><![CDATA[gh_test0000001]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
      });
      expect(res.status, encrypted).to.equal(400);
    }
    expect(runs).to.deep.equal([]);
  });

  it('refuses an encrypted push whose decrypted content is not WeChat XML with 400', async () => {
    const push = signPush(ACCOUNT, '<xml><a>1</a></xml>', { mode: 'safe' });
    expect((await postPush(server.url, push)).status).to.equal(400);
  });

  it('refuses a body over 1 MiB with 413, also when it comes without Content-Length', async () => {
    const big = textXml({ from: 'oBig', content: 'x'.repeat(1024 * 1024) });
    const res = await postPush(server.url, signPush(ACCOUNT, big));
    expect(res.status).to.equal(413);
    expect(res.body).to.equal('payload too large');

    const push = signPush(ACCOUNT, big);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}${push.search}`, {
        method: 'POST',
        headers: { 'transfer-encoding': 'chunked' },
      });
      req.on('response', (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
      req.on('error', reject);
      // Sent in pieces, so the limit must be enforced while reading rather than from a header.
      for (let i = 0; i < 20; i++) req.write(big.slice(i * 60_000, (i + 1) * 60_000));
      req.end(big.slice(20 * 60_000));
    });
    expect(status).to.equal(413);
    expect(runs).to.deep.equal([]);
  });

  it('accepts a body of just under 1 MiB', async () => {
    const xml = textXml({ from: 'oAlmostBig', content: 'y'.repeat(1024 * 1024 - 400) });
    expect(Buffer.byteLength(xml)).to.be.below(1024 * 1024);
    const res = await sendPush(server.url, ACCOUNT, xml);
    expect(res.status).to.equal(200);
  });

  it('answers other methods with 405 and an Allow header', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(server.url, { method });
      expect(res.status, method).to.equal(405);
      expect(res.headers.get('allow')).to.equal('GET, POST');
    }
  });

  it('answers an unknown account in /wechat/:appid with 404', async () => {
    const xml = textXml({ from: 'oUser8', content: 'hi' });
    const res = await postPush(`${server.origin}/wechat/wxnotconfigured000`, signPush(ACCOUNT, xml));
    expect(res.status).to.equal(404);
    expect(runs).to.deep.equal([]);
  });

  it('refuses an unknown encrypt_type with 400', async () => {
    const push = signPush(ACCOUNT, eventXml({ from: 'oUser9', event: 'subscribe' }));
    const res = await fetch(`${server.url}${push.search}&encrypt_type=rot13`, {
      method: 'POST',
      body: push.body,
    });
    expect(res.status).to.equal(400);
  });

  it('refuses URL verification with a wrong signature with 401 and without echostr with 400', async () => {
    const bad = verificationSearch('othertoken', 'abc');
    expect((await fetch(server.url + bad)).status).to.equal(401);
    const good = verificationSearch(ACCOUNT.token, 'abc').replace(/&echostr=abc/, '');
    expect((await fetch(server.url + good)).status).to.equal(400);
  });

  it('logs refusals with their reason but never the token, key or query', async () => {
    lines.length = 0;
    await postPush(server.url, signPush(ACCOUNT, textXml({ from: 'oLog', content: 'hi' }), { tamper: true }));
    const refusal = lines.find((l) => l['msg'] === 'webhook request refused');
    expect(refusal).to.include({ status: 401 });
    const text = JSON.stringify(lines);
    expect(text).to.not.include(ACCOUNT.token);
    expect(text).to.not.include(ACCOUNT.encodingAesKey);
    expect(text).to.not.include('signature=');
  });

  it('keeps an encrypted push that was refused out of the dedup store', async () => {
    const xml = eventXml({ from: 'oUser10', event: 'subscribe', eventKey: 'qrscene_x', ticket: 't' });
    const forged = signPush(ACCOUNT, xml, { mode: 'safe' });
    forged.body = forged.body.replace(
      /<Encrypt><!\[CDATA\[[^\]]+/,
      `<Encrypt><![CDATA[${encrypt(xml, ACCOUNT.encodingAesKey as string, ACCOUNT.appid)}`,
    );
    expect((await postPush(server.url, forged)).status).to.equal(401);
    await expectUntouched(xml, 'safe');
  });
});
