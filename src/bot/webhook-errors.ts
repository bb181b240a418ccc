/**
 * Why the webhook refused a request for reasons outside the wire protocol (those are `WireError`s).
 * http/ maps `kind` to a status; the message is for the log, never for the client.
 */
export type WebhookErrorKind =
  | 'unknown_account' // no account with the requested AppID → 404
  | 'bad_request' // a request the webhook cannot act on, e.g. GET without echostr → 400
  | 'timeout' // the body had not arrived in time → 408
  | 'busy' // too many bodies being read at once → 503, so WeChat retries
  | 'store' // the reply store failed before any handler ran → 503, so WeChat retries
  | 'not_handled'; // the push could not be stored, or an earlier delivery never answered → 503, WeChat retries

/** A refusal of the webhook itself: the push was not handled (its claim, if any, is released). */
export class WebhookError extends Error {
  override readonly name = 'WebhookError';
  constructor(
    readonly kind: WebhookErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
