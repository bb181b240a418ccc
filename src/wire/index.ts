/**
 * The WeChat wire protocol, pure (no I/O): signatures, AES crypto, inbound XML to a typed union, passive
 * replies to XML. Layers above import from here.
 */
export { WireError, type WireErrorKind } from './errors.js';
export { safeEqual, verifySignature, wechatSignature } from './signature.js';
export { decodeAesKey, MessageCrypto } from './crypto.js';
export {
  checkPushQuery,
  checkTimestamp,
  verifyMsgSignature,
  verifyPush,
  verifyUrl,
  type FreshnessParams,
  type MsgSignatureParams,
  type PushQueryParams,
  type PushQuery,
  type VerifyPushParams,
  type VerifyUrlParams,
} from './verify-push.js';
export * from './inbound-types.js';
export { parseEnvelope, parseInbound, type Envelope } from './inbound.js';
export { FILTER_NAMES, filterName, isFilterName, type FilterName } from './filter-name.js';
export { dedupKey } from './dedup-key.js';
export { decodeUtf8 } from './utf8.js';
export {
  MAX_NEWS_ARTICLES,
  REPLY_TYPES,
  type NewsArticle,
  type Reply,
  type ReplyType,
} from './reply-types.js';
export { renderEncryptedEnvelope, renderReply, type ReplyContext, type ReplyHeader } from './reply-render.js';
