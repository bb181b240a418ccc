import type { MessageCrypto } from './crypto.js';
import { WireError } from './errors.js';
import { MAX_NEWS_ARTICLES, type NewsArticle, type Reply } from './reply-types.js';
import { signature4 } from './signature.js';

/** The reply's header: `ToUserName` is the user (the push's FromUserName), `FromUserName` the account. */
export interface ReplyHeader {
  ToUserName: string;
  FromUserName: string;
  /** Unix seconds. */
  CreateTime: number;
}

/** What the reply answers: a user's message allows 1 news article, an event 8 (§4.2). */
export type ReplyContext = 'message' | 'event';

const replyError = (message: string): WireError => new WireError('reply', message, -40011);

// Characters XML 1.0 forbids even inside CDATA; one of them in a reply makes WeChat reject all of it.
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const NOT_XML_CHARS = new RegExp(NOT_XML_CHAR.source, 'g');
const UNSIGNED = /^\d+$/;

/** CDATA content for any string: `]]>` would end the section, so it is split across two (§4.2). */
function cdata(value: unknown, field: string): string {
  if (typeof value !== 'string') throw replyError(`${field} must be a string (got ${typeof value})`);
  const s = NOT_XML_CHAR.test(value) ? value.replace(NOT_XML_CHARS, '') : value;
  return s.includes(']]>') ? s.replaceAll(']]>', ']]]]><![CDATA[>') : s;
}

const element = (name: string, value: unknown, field: string): string =>
  '<' + name + '><![CDATA[' + cdata(value, field) + ']]></' + name + '>';

const optionalElement = (name: string, value: unknown, field: string): string =>
  value === undefined ? '' : element(name, value, field);

function open(header: ReplyHeader, msgType: string): string {
  const t = header.CreateTime;
  // §4.1: seconds. A millisecond clock here is the classic mistake; WeChat silently drops such replies.
  if (!Number.isSafeInteger(t) || t < 0 || t > 1e11) {
    throw replyError(`CreateTime must be integer Unix seconds (got ${t})`);
  }
  return (
    '<xml>' +
    element('ToUserName', header.ToUserName, 'ToUserName') +
    element('FromUserName', header.FromUserName, 'FromUserName') +
    '<CreateTime>' +
    t +
    '</CreateTime><MsgType><![CDATA[' +
    msgType +
    ']]></MsgType>'
  );
}

function renderArticles(articles: readonly NewsArticle[], context: ReplyContext): string {
  if (!Array.isArray(articles) || articles.length === 0) {
    throw replyError('a news reply needs at least 1 article');
  }
  const max = MAX_NEWS_ARTICLES[context];
  if (articles.length > max) {
    // §4.2: WeChat shows nothing at all for too many articles; failing here names the culprit.
    const answering = context === 'message' ? "a user's message" : 'an event';
    throw replyError(
      `a news reply has ${articles.length} articles; WeChat allows at most ${max} when answering ${answering}`,
    );
  }
  let items = '';
  for (const [i, a] of articles.entries()) {
    items +=
      '<item>' +
      element('Title', a.title, `articles[${i}].title`) +
      optionalElement('Description', a.description, `articles[${i}].description`) +
      optionalElement('PicUrl', a.picUrl, `articles[${i}].picUrl`) +
      optionalElement('Url', a.url, `articles[${i}].url`) +
      '</item>';
  }
  return '<ArticleCount>' + articles.length + '</ArticleCount><Articles>' + items + '</Articles>';
}

/**
 * Renders a passive reply as the XML of WECHAT-PROTOCOL.md §4.2. Throws WireError 'reply' for a reply WeChat
 * would refuse (0 or too many news articles, a non-string field, a millisecond CreateTime).
 */
export function renderReply(reply: Reply, header: ReplyHeader, context: ReplyContext): string {
  switch (reply.type) {
    case 'text':
      return open(header, 'text') + element('Content', reply.content, 'content') + '</xml>';
    case 'image':
      return (
        open(header, 'image') + '<Image>' + element('MediaId', reply.mediaId, 'mediaId') + '</Image></xml>'
      );
    case 'voice':
      return (
        open(header, 'voice') + '<Voice>' + element('MediaId', reply.mediaId, 'mediaId') + '</Voice></xml>'
      );
    case 'video':
      return (
        open(header, 'video') +
        '<Video>' +
        element('MediaId', reply.mediaId, 'mediaId') +
        optionalElement('Title', reply.title, 'title') +
        optionalElement('Description', reply.description, 'description') +
        '</Video></xml>'
      );
    case 'music':
      return (
        open(header, 'music') +
        '<Music>' +
        optionalElement('Title', reply.title, 'title') +
        optionalElement('Description', reply.description, 'description') +
        optionalElement('MusicUrl', reply.musicUrl, 'musicUrl') +
        optionalElement('HQMusicUrl', reply.hqMusicUrl, 'hqMusicUrl') +
        element('ThumbMediaId', reply.thumbMediaId, 'thumbMediaId') +
        '</Music></xml>'
      );
    case 'news':
      return open(header, 'news') + renderArticles(reply.articles, context) + '</xml>';
    case 'transfer_customer_service':
      return (
        open(header, 'transfer_customer_service') +
        (reply.kfAccount === undefined
          ? ''
          : '<TransInfo>' + element('KfAccount', reply.kfAccount, 'kfAccount') + '</TransInfo>') +
        '</xml>'
      );
    default: {
      // Replies also come from JSON config files, where the type is only a string.
      const type: unknown = (reply as { type?: unknown }).type;
      throw replyError(`unknown reply type '${String(type)}'`);
    }
  }
}

/**
 * Wraps a rendered reply in the safe-mode envelope of §2.5: `Encrypt`, `MsgSignature` over
 * (token, TimeStamp, Nonce, Encrypt), `TimeStamp` bare and the rest in CDATA, as the official sample writes it.
 * `random` (16 bytes) is for deterministic test vectors only.
 */
export function renderEncryptedEnvelope(
  crypto: MessageCrypto,
  token: string,
  innerXml: string,
  timestamp: number | string,
  nonce: string,
  random?: Buffer,
): string {
  const ts = String(timestamp);
  if (!UNSIGNED.test(ts)) throw replyError(`TimeStamp must be Unix seconds (got '${ts}')`);
  const encrypted = crypto.encrypt(innerXml, random);
  return (
    '<xml><Encrypt><![CDATA[' +
    encrypted +
    ']]></Encrypt><MsgSignature><![CDATA[' +
    signature4(token, ts, nonce, encrypted) +
    ']]></MsgSignature><TimeStamp>' +
    ts +
    '</TimeStamp>' +
    element('Nonce', nonce, 'nonce') +
    '</xml>'
  );
}
