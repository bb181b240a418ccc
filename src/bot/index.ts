/** Handler registration and the framework-free webhook (ARCHITECTURE.md: bot/ has no Koa and no SQL). */
export { Bot, type HandleOptions, type HandleResult } from './bot.js';
export {
  Composer,
  type ClickContext,
  type Filter,
  type HearsContext,
  type Middleware,
  type MiddlewareFn,
  type MiddlewareObj,
  type NextFunction,
  type SceneContext,
  type Trigger,
} from './composer.js';
export { Context, sceneOf, type ContextOptions } from './context.js';
export { FILTER_QUERIES, type FilterQuery, type MessageFor } from './filter-queries.js';
export { MemoryReplyRecordStore, type MemoryReplyRecordStoreOptions } from './memory-reply-store.js';
export { effectsStoring, pushEffects, PushNotHandledError } from './push-effects.js';
export type { ReplyRecord, ReplyRecordStore } from './reply-store.js';
export { realTimers, type Timers } from './timers.js';
export type { WebhookAccount } from './webhook-accounts.js';
export { WebhookError, type WebhookErrorKind } from './webhook-errors.js';
export {
  createWebhookHandler,
  DEFAULT_REPLY_BUDGET_MS,
  DEFAULT_TIMESTAMP_TOLERANCE_SECONDS,
  type PassiveReplyListener,
  type PushInfo,
  type LateReplySink,
  type WebhookAnswer,
  type WebhookHandler,
  type WebhookOptions,
  type WebhookQuery,
  type CheckedPush,
  type WebhookRequest,
} from './webhook-handler.js';
