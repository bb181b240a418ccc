import { WechatApiError } from '../wechat-api/errors.js';

/** WeChat's "outside the customer-service window" (WECHAT-PROTOCOL.md §6.7, §7). */
export const OUTSIDE_WINDOW_ERRCODE = 45015;

/** WeChat's "customer-service quota of this window used up" (WECHAT-PROTOCOL.md §6.7, §7). */
export const QUOTA_EXCEEDED_ERRCODE = 45047;

/**
 * A customer-service message WeChat refused because the follower's window is closed: they have not written
 * within 48 hours (or clicked, followed or scanned within the last minute), or they unfollowed (45015).
 * Nothing was sent; only a new message from the follower reopens the window.
 */
export class OutsideWindowError extends Error {
  override readonly name = 'OutsideWindowError';
  readonly openid: string;

  constructor(openid: string, options?: { cause?: unknown }) {
    super(
      `cannot message ${openid}: WeChat only allows customer-service messages within 48 hours of the follower's ` +
        'last message (1 minute after a menu click, follow or scan), and not after an unfollow',
      options,
    );
    this.openid = openid;
  }
}

/**
 * WeChat refused a customer-service message because the window's quota is used up (45047: 5 messages per
 * 48-hour window after a message, 3 per minute after a click, follow or scan). Nothing was sent.
 */
export class QuotaExceededError extends Error {
  override readonly name = 'QuotaExceededError';
  readonly openid: string;

  constructor(openid: string, options?: { cause?: unknown }) {
    super(
      `cannot message ${openid}: the customer-service quota of this window is used up ` +
        '(WeChat allows 5 messages per 48 hours after a message, 3 per minute after a click, follow or scan)',
      options,
    );
    this.openid = openid;
  }
}

/** The typed error for a refused customer-service message, or `err` itself when it is not one of them. */
export function customerServiceError(err: unknown, openid: string): unknown {
  if (err instanceof WechatApiError) {
    if (err.errcode === OUTSIDE_WINDOW_ERRCODE) return new OutsideWindowError(openid, { cause: err });
    if (err.errcode === QUOTA_EXCEEDED_ERRCODE) return new QuotaExceededError(openid, { cause: err });
  }
  return err;
}
