import type { Context } from 'koa';
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
  timeout: [408, 'request timeout'],
  // Load shedding, not a fault: WeChat retries; logged as a refusal, not as an error.
  busy: [503, 'busy'],
  // The push was not handled (database down, an earlier delivery's instance died): WeChat delivers again.
  store: [503, 'service unavailable'],
  not_handled: [503, 'service unavailable'],
};

/** Maps an error thrown by the webhook to its response; anything unknown is a detail-free 500. */
export function webhookErrorResponse(err: unknown): WebhookErrorResponse {
  const entry =
    err instanceof WireError ? WIRE[err.kind] : err instanceof WebhookError ? WEBHOOK[err.kind] : undefined;
  const [status, body] = entry ?? [500, 'internal error'];
  return {
    status,
    body,
    serverError: status >= 500 && !(err instanceof WebhookError && err.kind === 'busy'),
  };
}

/** The log message of a request whose client went away before it could be answered. */
export const CLIENT_GONE = 'client went away before the answer';

/**
 * True when the client can no longer be answered: its connection is closed (it hung up mid-body, or gave
 * up waiting). Not an error of ours: logged at debug without a stack, and no response is attempted.
 */
export function clientGone(ctx: Context): boolean {
  return !ctx.writable;
}

/** Official codes of a ciphertext that does not decrypt with our key (-40007 AES, -40008 padding/length). */
const KEY_MISMATCH_CODES: ReadonlySet<number | undefined> = new Set([-40007, -40008]);

/**
 * What an operator should check when a push is refused, for the log line only (never the response): the
 * setting that most likely differs from the WeChat console, named but never shown. `appid` is the route's
 * account (undefined for `/wechat`, the WECHAT_* account).
 */
export function refusalHint(err: unknown, appid: string | undefined): string | undefined {
  if (!(err instanceof WireError)) return undefined;
  const setting = (env: string, field: string): string =>
    appid === undefined ? env : `${env} (or "${field}" of account ${appid} in the config file)`;
  switch (err.kind) {
    case 'signature':
      // A request with no signature at all is a prober, not a misconfiguration.
      return /does not match$/.test(err.message)
        ? `signature mismatch: check that ${setting('WECHAT_TOKEN', 'token')} equals the Token in the WeChat console`
        : undefined;
    case 'crypto':
      return KEY_MISMATCH_CODES.has(err.code)
        ? `decryption failed: check that ${setting('WECHAT_ENCODING_AES_KEY', 'encodingAesKey')} equals the EncodingAESKey in the WeChat console`
        : undefined;
    case 'appid':
      return `${err.message}: check that the webhook URL set in the WeChat console is this account's`;
    case 'timestamp':
      return "check this server's clock (NTP): WeChat signs the time it sends";
    default:
      return undefined;
  }
}
