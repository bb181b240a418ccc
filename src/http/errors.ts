import { WebhookError } from '../bot/webhook-errors.js';
import { WireError, type WireErrorKind } from '../wire/errors.js';

/** What the webhook sends for a refused request: a status and a terse plain-text body. */
export interface WebhookErrorResponse {
  status: number;
  body: string;
  /** Client errors are expected noise (scanners, clock skew); server errors are logged as errors. */
  serverError: boolean;
}

/**
 * INTERFACE.md §3: bad signature, stale timestamp and wrong AppID are 401; a body that is not WeChat XML
 * (or does not decrypt) is 400; over 1 MiB is 413. Bodies name the class of problem only: the details stay
 * in the log so a prober learns nothing about the check that failed.
 */
const WIRE: Record<WireErrorKind, readonly [number, string]> = {
  signature: [401, 'invalid signature'],
  timestamp: [401, 'invalid timestamp'],
  appid: [401, 'wrong appid'],
  crypto: [400, 'bad request'],
  xml: [400, 'bad request'],
  too_large: [413, 'payload too large'],
  // A reply a handler built wrongly is our bug, not the client's.
  reply: [500, 'internal error'],
};

const WEBHOOK: Record<WebhookError['kind'], readonly [number, string]> = {
  unknown_account: [404, 'not found'],
  bad_request: [400, 'bad request'],
  // The push was not handled (database down, an earlier delivery's instance died): WeChat delivers again.
  store: [503, 'service unavailable'],
  not_handled: [503, 'service unavailable'],
};

/** Maps an error thrown by the webhook to its response; anything unknown is a detail-free 500. */
export function webhookErrorResponse(err: unknown): WebhookErrorResponse {
  const entry =
    err instanceof WireError ? WIRE[err.kind] : err instanceof WebhookError ? WEBHOOK[err.kind] : undefined;
  const [status, body] = entry ?? [500, 'internal error'];
  return { status, body, serverError: status >= 500 };
}
