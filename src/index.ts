/**
 * wxoa as a library: the webhook middleware and handler API to embed in your own Koa app, the whole
 * server (`createWxoa`), the WeChat API client, the stores and the wire protocol. The simulator is
 * `wxoa/simulator`.
 */
export {
  Bot,
  Composer,
  Context,
  FILTER_QUERIES,
  MemoryReplyRecordStore,
  createWebhookHandler,
  pushEffects,
  PushNotHandledError,
  type FilterQuery,
  type LateReplySink,
  type Middleware,
  type MiddlewareFn,
  type NextFunction,
  type ReplyRecordStore,
  type Timers,
  type WebhookAccount,
  type WebhookOptions,
} from './bot/index.js';
export { wechatWebhook, type WechatWebhookOptions } from './http/webhook-middleware.js';
export { requireVisitor, visitorOf, visitorSession, type Visitor } from './http/visitor.js';
export { identityOf, requireIdentity, type IdentityOptions, type SignedIn } from './http/identity.js';
export { createWxoa, type Wxoa, type WxoaOptions } from './server.js';
export { ConfigError, loadConfig, type AccountConfig, type Config } from './config.js';
export {
  WechatApi,
  WechatApiError,
  WechatHttpError,
  MemoryTokenStore,
  buildOAuthAuthorizeUrl,
  type WechatApiOptions,
} from './wechat-api/index.js';
export { openStore, type Store } from './store/index.js';
export {
  MessageCrypto,
  WireError,
  parseInbound,
  renderReply,
  wechatSignature,
  type InboundMessage,
  type Reply,
} from './wire/index.js';
export { createLogger, type Logger } from './logger.js';
