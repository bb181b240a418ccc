import type { MessageCrypto } from '../wire/crypto.js';
import { WireError } from '../wire/errors.js';
import { safeEqual, wechatSignature } from '../wire/signature.js';
import type { MessageMode } from './types.js';
import { field, parseWechatXml, XmlShapeError } from './xml.js';

/** What WeChat knows when it reads the answer to a push. */
export interface ReplyContext {
  mode: MessageMode;
  token: string;
  crypto: MessageCrypto;
  /** FromUserName of the push: the reply's ToUserName must equal it (§4.1). */
  openid: string | undefined;
  ghId: string;
}

/** The reply as WeChat understood it. */
export interface ReplyVerdict {
  reply: Record<string, unknown> | null;
  replyXml: string | null;
  replyError?: string;
}

const REPLY_TYPES = new Set([
  'text',
  'image',
  'voice',
  'video',
  'music',
  'news',
  'transfer_customer_service',
]);

/**
 * Reads a 200 answer the way WeChat does (§4): `success` or an empty body is "no reply"; otherwise a passive
 * reply in XML — in safe mode necessarily the encrypted envelope of §2.5, whose MsgSignature is verified
 * and whose decrypted AppID must be the account's (-40005 otherwise); in compat mode either form.
 */
export function checkReply(ctx: ReplyContext, body: string): ReplyVerdict {
  const text = body.trim();
  if (text === '' || text === 'success') return { reply: null, replyXml: null };
  let outer: Record<string, unknown>;
  try {
    outer = parseWechatXml(text);
  } catch (e) {
    return invalid(`malformed reply: ${(e as Error).message}`);
  }
  let xml = text;
  let fields = outer;
  const encrypted = field(outer, 'Encrypt');
  if (encrypted !== undefined) {
    if (ctx.mode === 'plain') return invalid('encrypted reply to a plaintext push');
    const signature = field(outer, 'MsgSignature');
    const timestamp = field(outer, 'TimeStamp');
    const nonce = field(outer, 'Nonce');
    if (signature === undefined || timestamp === undefined || nonce === undefined) {
      return invalid('encrypted reply lacks MsgSignature, TimeStamp or Nonce (§2.5)');
    }
    if (!safeEqual(signature, wechatSignature(ctx.token, timestamp, nonce, encrypted))) {
      return invalid(
        'bad envelope signature: MsgSignature does not match sha1(token, TimeStamp, Nonce, Encrypt)',
      );
    }
    try {
      xml = ctx.crypto.decrypt(encrypted);
    } catch (e) {
      if (e instanceof WireError && e.code === -40005)
        return invalid('wrong appid: the reply was encrypted for another AppID');
      return invalid(`cannot decrypt the reply: ${(e as Error).message}`);
    }
    try {
      fields = parseWechatXml(xml);
    } catch (e) {
      return invalid(`malformed reply inside Encrypt: ${e instanceof XmlShapeError ? e.message : String(e)}`);
    }
  } else if (ctx.mode === 'safe') {
    return invalid('plaintext reply in safe mode: the reply must be encrypted (§4.2)');
  }
  const problem = replyProblem(ctx, fields);
  if (problem) return invalid(problem, xml);
  return { reply: fields, replyXml: xml };
}

function invalid(replyError: string, replyXml: string | null = null): ReplyVerdict {
  return { reply: null, replyXml, replyError };
}

/** The rules of §4.1/§4.2 a passive reply must keep, or undefined. */
function replyProblem(ctx: ReplyContext, f: Record<string, unknown>): string | undefined {
  const to = field(f, 'ToUserName');
  const from = field(f, 'FromUserName');
  const type = field(f, 'MsgType');
  if (ctx.openid !== undefined && to !== ctx.openid) {
    return `reply ToUserName ${String(to)} is not the sender ${ctx.openid}`;
  }
  if (from !== ctx.ghId) return `reply FromUserName ${String(from)} is not the account's ${ctx.ghId}`;
  if (!/^\d+$/.test(field(f, 'CreateTime') ?? '')) return 'reply CreateTime must be integer Unix seconds';
  if (type === undefined || !REPLY_TYPES.has(type))
    return `reply MsgType ${String(type)} is not a passive reply type`;
  const inner = (name: string, key: string): string | undefined => {
    const node = f[name];
    return typeof node === 'object' && node !== null
      ? field(node as Record<string, unknown>, key)
      : undefined;
  };
  switch (type) {
    case 'text':
      return field(f, 'Content') === undefined ? 'text reply without Content' : undefined;
    case 'image':
    case 'voice': {
      const name = type === 'image' ? 'Image' : 'Voice';
      return inner(name, 'MediaId') ? undefined : `${type} reply without ${name}/MediaId`;
    }
    case 'video':
      return inner('Video', 'MediaId') ? undefined : 'video reply without Video/MediaId';
    case 'music':
      return inner('Music', 'ThumbMediaId') ? undefined : 'music reply without Music/ThumbMediaId';
    case 'news': {
      const articles = f['Articles'];
      const items =
        typeof articles === 'object' && articles !== null
          ? (articles as Record<string, unknown>)['item']
          : undefined;
      const count = Array.isArray(items) ? items.length : 0;
      if (count === 0) return 'news reply without Articles/item';
      if (field(f, 'ArticleCount') !== String(count))
        return `news ArticleCount is not the ${count} items sent`;
      return undefined;
    }
    default:
      return undefined;
  }
}
