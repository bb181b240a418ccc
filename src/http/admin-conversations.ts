import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { ConversationService } from '../kf/conversation-service.js';
import { OutsideWindowError, QuotaExceededError } from '../kf/kf-errors.js';
import { InvalidCursorError } from '../followers/follower-repo.js';
import type { ConversationMessage, InboxEntry } from '../kf/message-repo.js';
import { WechatApiError, WechatHttpError } from '../wechat-api/errors.js';
import { ApiError } from './api-error.js';
import { accountResolver, jsonBody, limitQuery, singleQuery } from './api-query.js';

/** Options of {@link conversationsApiRouter}. */
export interface ConversationsApiOptions {
  conversations: Pick<ConversationService, 'historyPage' | 'inbox' | 'counts' | 'sendText'>;
  /** The primary account (WECHAT_APPID): what the routes act for unless `?appid=` names another. */
  appid: string | (() => string);
  /** Every account `?appid=` may name (the primary one is always allowed). */
  appids?: readonly string[];
  /** Where the routes live; default `/api`. */
  prefix?: string;
}

/**
 * The longest text an operator may send, in UTF-8 bytes. WeChat documents no number; text messages are
 * reported to stop at 2047 bytes (dodgepudding/wechat-php-sdk#363), and beyond that WeChat truncates or
 * refuses without a clear error, so the operator is told here instead.
 */
export const MAX_TEXT_BYTES = 2047;

/** Page size of the message and conversation lists when `limit` is absent, and the largest allowed. */
export const DEFAULT_CONVERSATION_LIMIT = 100;
export const MAX_CONVERSATION_LIMIT = 500;

/** WeChat's "invalid openid" and "require subscribe" (WECHAT-PROTOCOL.md §7). */
const INVALID_OPENID = 40003;
const REQUIRE_SUBSCRIBE = 43004;

/** What the 409 says: the operator has to know it is WeChat's rule and what reopens the window. */
const OUTSIDE_WINDOW_MESSAGE =
  "not sent: WeChat only allows customer-service messages within 48 hours of the follower's last message " +
  '(1 minute after a menu click, follow or scan); the window reopens when the follower writes again';

/**
 * The customer-service routes of the admin API (INTERFACE.md §5): the inbox (`GET /conversations`, newest
 * first, unanswered marked), one follower's messages, and sending a text message. Authentication and the
 * error shape are the app's: mount this behind `requireAdminToken` and inside `apiErrors`, like every
 * /api/* router.
 */
export function conversationsApiRouter(options: ConversationsApiOptions): Router {
  const { conversations } = options;
  const router = new Router({ prefix: options.prefix ?? '/api' });
  const appidOf = accountResolver(options.appid, options.appids);
  const parseLimit = (ctx: Context) => limitQuery(ctx, DEFAULT_CONVERSATION_LIMIT, MAX_CONVERSATION_LIMIT);

  // Paged as /api/followers is: `limit`, an opaque `cursor`, and `nextCursor` (null on the last page).
  router.get('/conversations', async (ctx) => {
    const appid = appidOf(ctx);
    const unanswered = booleanQuery(ctx, 'unanswered');
    const cursor = cursorQuery(ctx);
    const [page, counts] = await Promise.all([
      withCursor(() =>
        conversations.inbox({
          appid,
          limit: parseLimit(ctx),
          ...(unanswered ? { unanswered } : {}),
          ...(cursor ? { cursor } : {}),
        }),
      ),
      conversations.counts(appid),
    ]);
    ctx.body = { conversations: page.conversations.map(inboxJson), nextCursor: page.nextCursor, counts };
  });

  // The newest messages first come; within a page they are oldest first, as a chat shows them.
  router.get('/conversations/:openid/messages', async (ctx) => {
    const cursor = cursorQuery(ctx);
    const page = await withCursor(() =>
      conversations.historyPage({
        appid: appidOf(ctx),
        openid: ctx.params['openid'] ?? '',
        limit: parseLimit(ctx),
        ...(cursor ? { cursor } : {}),
      }),
    );
    ctx.body = { messages: page.messages.map(messageJson), nextCursor: page.nextCursor };
  });

  router.post('/conversations/:openid/messages', jsonBody, async (ctx) => {
    const appid = appidOf(ctx);
    const text = textOf(ctx.request.body);
    try {
      const sent = await conversations.sendText(appid, ctx.params['openid'] ?? '', text, 'operator');
      ctx.status = 201;
      ctx.body = { message: messageJson(sent) };
    } catch (err) {
      throw apiErrorOf(err);
    }
  });

  return router;
}

/** `?name=true|false`; absent or empty → false. */
function booleanQuery(ctx: Context, name: string): boolean {
  const value = singleQuery(ctx, name);
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw new ApiError(400, 'invalid_query', `${name} must be true or false (got "${value.slice(0, 20)}")`);
}

/** `?cursor=`: absent or empty → the first page. */
function cursorQuery(ctx: Context): string | undefined {
  const value = singleQuery(ctx, 'cursor');
  return value === undefined || value === '' ? undefined : value;
}

/** A cursor the store did not issue is the client's mistake: 400, as /api/followers answers it. */
async function withCursor<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof InvalidCursorError) throw new ApiError(400, 'invalid_cursor', err.message);
    throw err;
  }
}

/** The `text` of the request body, validated: a non-blank string of at most {@link MAX_TEXT_BYTES}. */
function textOf(body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(
      400,
      'invalid_body',
      'send a JSON object {"text": "…"} with Content-Type: application/json',
    );
  }
  const text = (body as Record<string, unknown>)['text'];
  if (typeof text !== 'string') throw new ApiError(400, 'invalid_text', 'text must be a string');
  if (text.trim() === '') throw new ApiError(400, 'invalid_text', 'text must not be empty');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_TEXT_BYTES) {
    throw new ApiError(
      400,
      'invalid_text',
      `text must be at most ${MAX_TEXT_BYTES} bytes of UTF-8 (got ${bytes}); WeChat cuts longer messages`,
    );
  }
  return text;
}

/** WeChat's refusals as the statuses an operator (or a script) can act on; anything else stays a 500. */
function apiErrorOf(err: unknown): unknown {
  if (err instanceof OutsideWindowError) return new ApiError(409, 'outside_window', OUTSIDE_WINDOW_MESSAGE);
  if (err instanceof QuotaExceededError) {
    return new ApiError(
      429,
      'quota_exceeded',
      'not sent: the customer-service quota of this window is used up (WeChat allows 5 messages per 48 hours ' +
        'after a message, 3 per minute after a click, follow or scan)',
    );
  }
  if (err instanceof WechatHttpError) {
    // Only a connection that never opened proves nothing left; after a timeout or a 5xx it may have arrived.
    const outcome =
      err.kind === 'network' ? 'the message was not sent' : 'the message may not have been delivered';
    return new ApiError(502, 'wechat_unreachable', `WeChat could not be reached: ${outcome}`);
  }
  if (err instanceof WechatApiError && err.errcode === INVALID_OPENID) {
    return new ApiError(
      404,
      'follower_not_found',
      'not sent: WeChat knows no follower of this account with this OpenID',
    );
  }
  if (err instanceof WechatApiError && err.errcode === REQUIRE_SUBSCRIBE) {
    return new ApiError(409, 'not_following', 'not sent: the follower has unfollowed the account');
  }
  if (err instanceof WechatApiError) {
    // WeChat's own code and message are what an operator looks up; no secret is in them (wechat-api/errors.ts).
    return new ApiError(502, 'wechat_error', `WeChat refused the message: ${err.errcode} ${err.errmsg}`);
  }
  return err;
}

function messageJson(m: ConversationMessage) {
  return { direction: m.direction, type: m.type, content: m.content, createTime: m.createTime, via: m.via };
}

function inboxJson(e: InboxEntry) {
  return {
    openid: e.openid,
    unionid: e.unionid,
    lastMessage: {
      direction: e.lastDirection,
      type: e.lastType,
      content: e.lastContent,
      createTime: e.lastCreateTime,
    },
    lastInboundTime: e.lastInboundTime,
    unanswered: e.unanswered,
  };
}
