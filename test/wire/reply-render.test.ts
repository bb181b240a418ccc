import { expect } from 'chai';
import {
  MessageCrypto,
  parseEnvelope,
  REPLY_TYPES,
  renderEncryptedEnvelope,
  renderReply,
  wechatSignature,
  type NewsArticle,
  type Reply,
  type ReplyHeader,
} from '../../src/wire/index.js';
import { readXmlRoot } from '../../src/wire/xml-read.js';
import { expectWireError, fixture, fixtureNames, vector } from './helpers.js';

const header: ReplyHeader = { ToUserName: 'toUser', FromUserName: 'fromUser', CreateTime: 12345678 };

/** The reply each file of fixtures/replies holds, as WECHAT-PROTOCOL.md §4.2 writes it. */
const REPLIES: Record<string, Reply> = {
  'text.xml': { type: 'text', content: '你好' },
  'image.xml': { type: 'image', mediaId: 'media_id' },
  'voice.xml': { type: 'voice', mediaId: 'media_id' },
  'video.xml': { type: 'video', mediaId: 'media_id', title: 'title', description: 'description' },
  'video--media-only.xml': { type: 'video', mediaId: 'media_id' },
  'music.xml': {
    type: 'music',
    title: 'TITLE',
    description: 'DESCRIPTION',
    musicUrl: 'MUSIC_Url',
    hqMusicUrl: 'HQ_MUSIC_Url',
    thumbMediaId: 'media_id',
  },
  'music--thumb-only.xml': { type: 'music', thumbMediaId: 'media_id' },
  'news.xml': {
    type: 'news',
    articles: [{ title: 'title1', description: 'description1', picUrl: 'picurl', url: 'url' }],
  },
  'transfer_customer_service.xml': { type: 'transfer_customer_service' },
  'transfer_customer_service--kf-account.xml': { type: 'transfer_customer_service', kfAccount: 'test1@test' },
};

const articles = (n: number): NewsArticle[] =>
  Array.from({ length: n }, (_, i) => ({ title: `t${i}`, url: `https://example.com/${i}` }));

const TRICKY = [
  ']]>',
  'a]]>b',
  ']]]>',
  ']',
  ']]',
  'x]',
  '>]]>]]>',
  '<![CDATA[',
  '</Content></xml>',
  '&amp; <b>',
  'a\nb\r\n',
];

describe('wire/reply-render', () => {
  describe('renderReply on fixtures/replies', () => {
    const files = fixtureNames('replies');

    for (const file of files) {
      it(`renders ${file} exactly`, () => {
        const reply = REPLIES[file];
        expect(reply, `add ${file} to REPLIES`).not.to.equal(undefined);
        expect(renderReply(reply as Reply, header, 'message')).to.equal(fixture(`replies/${file}`).trimEnd());
      });
    }

    it('covers every reply type', () => {
      const types = new Set(files.map((f) => REPLIES[f]?.type));
      expect(REPLY_TYPES.filter((t) => !types.has(t))).to.deep.equal([]);
    });
  });

  describe('parsing a rendered reply back', () => {
    it('gives back every field of a music reply', () => {
      const back = readXmlRoot(renderReply(REPLIES['music.xml'] as Reply, header, 'event'));
      expect(back).to.deep.equal({
        ToUserName: 'toUser',
        FromUserName: 'fromUser',
        CreateTime: '12345678',
        MsgType: 'music',
        Music: {
          Title: 'TITLE',
          Description: 'DESCRIPTION',
          MusicUrl: 'MUSIC_Url',
          HQMusicUrl: 'HQ_MUSIC_Url',
          ThumbMediaId: 'media_id',
        },
      });
    });

    it('gives back eight news articles in order when answering an event', () => {
      const back = readXmlRoot(renderReply({ type: 'news', articles: articles(8) }, header, 'event'));
      expect(back.ArticleCount).to.equal('8');
      const items = (back.Articles as { item: { Title: string }[] }).item;
      expect(items.map((i) => i.Title)).to.deep.equal(['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7']);
    });

    for (const s of TRICKY) {
      it(`keeps ${JSON.stringify(s)} intact through CDATA`, () => {
        const back = readXmlRoot(renderReply({ type: 'text', content: s }, header, 'message'));
        expect(back.Content).to.equal(s.replace(/\r\n/g, '\n'));
        const news = readXmlRoot(
          renderReply({ type: 'news', articles: [{ title: s, description: s }] }, header, 'message'),
        );
        expect((news.Articles as { item: { Title: string } }).item.Title).to.equal(s.replace(/\r\n/g, '\n'));
      });
    }

    it('splits "]]>" as "]]]]><![CDATA[>"', () => {
      expect(renderReply({ type: 'text', content: 'a]]>b' }, header, 'message')).to.include(
        '<Content><![CDATA[a]]]]><![CDATA[>b]]></Content>',
      );
    });

    it('drops characters XML cannot carry, even in CDATA, and keeps tabs and newlines', () => {
      const back = readXmlRoot(
        renderReply({ type: 'text', content: 'a\u0000b\u0008c\td\ne\uFFFF' }, header, 'message'),
      );
      expect(back.Content).to.equal('abc\td\ne');
    });
  });

  describe('news article limits (§4.2)', () => {
    it('allows 1 article answering a message and 8 answering an event', () => {
      expect(renderReply({ type: 'news', articles: articles(1) }, header, 'message')).to.include(
        '<ArticleCount>1<',
      );
      expect(renderReply({ type: 'news', articles: articles(8) }, header, 'event')).to.include(
        '<ArticleCount>8<',
      );
    });

    it('refuses 2 articles answering a message, saying why', () => {
      expectWireError(
        () => renderReply({ type: 'news', articles: articles(2) }, header, 'message'),
        'reply',
        {
          message: /2 articles; WeChat allows at most 1 when answering a user's message/,
        },
      );
    });

    it('refuses 9 articles answering an event', () => {
      expectWireError(() => renderReply({ type: 'news', articles: articles(9) }, header, 'event'), 'reply', {
        message: /9 articles; .* at most 8 when answering an event/,
      });
    });

    it('refuses a news reply without articles', () => {
      expectWireError(() => renderReply({ type: 'news', articles: [] }, header, 'event'), 'reply', {
        message: /at least 1 article/,
      });
    });
  });

  describe('replies WeChat would refuse', () => {
    it('refuses a field that is not a string, naming it', () => {
      const reply = { type: 'image', mediaId: 42 } as unknown as Reply;
      expectWireError(() => renderReply(reply, header, 'message'), 'reply', {
        message: /mediaId must be a string/,
      });
      const news = { type: 'news', articles: [{ title: 'a', url: null }] } as unknown as Reply;
      expectWireError(() => renderReply(news, header, 'event'), 'reply', { message: /articles\[0\]\.url/ });
    });

    it('refuses an unknown reply type from a config file', () => {
      const reply = { type: 'mpnews', mediaId: 'x' } as unknown as Reply;
      expectWireError(() => renderReply(reply, header, 'message'), 'reply', {
        message: /unknown reply type 'mpnews'/,
      });
    });

    it('refuses a CreateTime in milliseconds or with a fraction', () => {
      for (const t of [1_700_000_000_000, 1.5, -1, Number.NaN]) {
        expectWireError(
          () => renderReply({ type: 'text', content: 'x' }, { ...header, CreateTime: t }, 'message'),
          'reply',
          {
            message: /CreateTime must be integer Unix seconds/,
          },
        );
      }
    });
  });

  describe('renderEncryptedEnvelope (§2.5)', () => {
    it('reproduces the official encrypted reply bit-exactly', () => {
      const v = vector('official-doc-safe-mode-reply');
      const crypto = new MessageCrypto(v.encodingAESKey as string, v.appId as string);
      const xml = renderEncryptedEnvelope(
        crypto,
        v.token,
        v.plaintext as string,
        Number(v.timestamp),
        v.nonce,
        Buffer.from(v.randomPrefix as string),
      );
      expect(xml).to.equal(
        `<xml><Encrypt><![CDATA[${v.encrypt}]]></Encrypt>` +
          '<MsgSignature><![CDATA[1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1]]></MsgSignature>' +
          '<TimeStamp>1713424427</TimeStamp><Nonce><![CDATA[415670741]]></Nonce></xml>',
      );
    });

    it("matches wechatpy's encrypted-reply vector", () => {
      const v = vector('wechatpy-work-encrypt-message');
      const crypto = new MessageCrypto(v.encodingAESKey as string, v.appId as string);
      const xml = renderEncryptedEnvelope(
        crypto,
        v.token,
        v.plaintext as string,
        v.timestamp,
        v.nonce,
        Buffer.from(v.randomPrefix as string),
      );
      const back = readXmlRoot(xml);
      expect(back).to.deep.equal({
        Encrypt: v.encrypt,
        MsgSignature: v.msgSignature,
        TimeStamp: v.timestamp,
        Nonce: v.nonce,
      });
    });

    it('wraps a rendered reply so that WeChat can verify and decrypt it', () => {
      const crypto = new MessageCrypto('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'wx1234567890abcdef');
      const inner = renderReply({ type: 'text', content: 'Welcome!' }, header, 'event');
      const xml = renderEncryptedEnvelope(crypto, 'benchtoken', inner, 1700000000, 'n]]>1');
      const back = readXmlRoot(xml);
      const envelope = parseEnvelope(xml);
      expect(back.Nonce).to.equal('n]]>1');
      expect(back.MsgSignature).to.equal(
        wechatSignature('benchtoken', '1700000000', 'n]]>1', envelope.Encrypt),
      );
      expect(crypto.decrypt(envelope.Encrypt)).to.equal(inner);
    });

    it('encrypts the same reply differently each time (fresh random prefix)', () => {
      const crypto = new MessageCrypto('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'wx1234567890abcdef');
      const a = parseEnvelope(renderEncryptedEnvelope(crypto, 't', '<xml/>', 1, 'n')).Encrypt;
      const b = parseEnvelope(renderEncryptedEnvelope(crypto, 't', '<xml/>', 1, 'n')).Encrypt;
      expect(a).not.to.equal(b);
    });

    it('refuses a TimeStamp that is not Unix seconds', () => {
      const crypto = new MessageCrypto('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'wx1234567890abcdef');
      expectWireError(() => renderEncryptedEnvelope(crypto, 't', '<xml/>', '1<x>', 'n'), 'reply', {
        message: /TimeStamp/,
      });
    });
  });
});
