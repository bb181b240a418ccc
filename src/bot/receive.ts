import {
  checkPushQuery,
  parseEnvelope,
  parseInbound,
  verifyMsgSignature,
  verifyUrl,
  type InboundMessage,
  type MessageCrypto,
  type PushQuery,
} from '../wire/index.js';
import type { ResolvedAccount } from './webhook-accounts.js';
import { WebhookError } from './webhook-errors.js';

/**
 * The receive half of the webhook: verify, decrypt, parse. Pure functions of the request, the account and
 * the clock; nothing here touches a store or runs a handler (that is the deliver half, webhook-handler.ts),
 * the way octokit keeps `verify` apart from dispatch.
 */

/** The query string as a framework parses it (Koa's `ctx.query`, `URLSearchParams` made an object). */
export type WebhookQuery = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Now and the timestamp window, shared by every check. */
export interface Freshness {
  /** Unix seconds. */
  nowSeconds: number;
  /** How far `timestamp` may be from now; 0 turns the window off. */
  toleranceSeconds: number;
}

/** A push whose query passed the checks that need no body. */
export interface CheckedPushQuery {
  query: PushQuery;
  /** The key to decrypt the body with; undefined for a plaintext (or keyless compatible-mode) push. */
  crypto: MessageCrypto | undefined;
}

/** A verified, decrypted and parsed push. */
export interface ReceivedPush extends CheckedPushQuery {
  message: InboundMessage;
}

/** The query parameters the webhook reads; every other one is ignored. */
export const SIGNED_PARAMS = [
  'signature',
  'timestamp',
  'nonce',
  'msg_signature',
  'encrypt_type',
  'echostr',
] as const;

/** The parameters the checks read; a repeated one is left out (so it fails) rather than guessed. */
export function signedQuery(query: WebhookQuery): PushQuery {
  const out: Record<string, string> = {};
  for (const name of SIGNED_PARAMS) {
    const value = query[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/**
 * Everything about a push that can be checked before its body is read: `encrypt_type`, `timestamp`,
 * `nonce` and the 3-part `signature`, which WeChat sends in every mode and which covers no body
 * (WECHAT-PROTOCOL.md §1.3). An unsigned or stale request is thus refused without reading its body.
 */
export function checkPush(account: ResolvedAccount, query: WebhookQuery, now: Freshness): CheckedPushQuery {
  const q = signedQuery(query);
  const encryptType = q.encrypt_type;
  if (encryptType !== undefined && encryptType !== 'aes' && encryptType !== 'raw') {
    throw new WebhookError('bad_request', `unknown encrypt_type ${encryptType}`);
  }
  checkPushQuery({
    token: account.token,
    query: q,
    nowSeconds: now.nowSeconds,
    toleranceSeconds: now.toleranceSeconds,
  });
  // A push without encrypt_type is plaintext and answered so, even with an AES key configured. An
  // `aes` push to an account without a key can only be a compatible-mode one (plaintext fields next to
  // Encrypt, WECHAT-PROTOCOL.md §1.1): it is checked on `signature` and answered in plaintext, which
  // compatible mode accepts, so an operator can switch the console before configuring the key.
  return { query: q, crypto: encryptType === 'aes' ? account.crypto : undefined };
}

/** Verifies, decrypts and parses a push (§1.3, §2, §3). Throws WireError / WebhookError. */
export function receivePush(
  account: ResolvedAccount,
  query: WebhookQuery,
  body: string,
  now: Freshness,
): ReceivedPush {
  return receiveBody(account, checkPush(account, query, now), body);
}

/** The body half of {@link receivePush}, for a query {@link checkPush} already passed. */
export function receiveBody(account: ResolvedAccount, checked: CheckedPushQuery, body: string): ReceivedPush {
  // Literals, not `{ ...checked, message }`: a spread with an added property costs V8 (Node 20) a new map
  // each time, about 1 µs (wire/inbound.ts, extend()).
  const { crypto, query: q } = checked;
  if (crypto === undefined) return { query: q, crypto, message: parseInbound(body) };
  // msg_signature covers the body's Encrypt: the only signature over the body. The decrypted content is
  // all that is trusted — in compatible mode the plaintext copy next to Encrypt is covered by no signature.
  const envelope = parseEnvelope(body);
  verifyMsgSignature({ token: account.token, query: q, encrypt: envelope.Encrypt });
  return { query: q, crypto, message: parseInbound(crypto.decrypt(envelope.Encrypt)) };
}

/** GET URL verification (WECHAT-PROTOCOL.md §1.2): the `echostr` to send back. */
export function receiveUrlCheck(account: ResolvedAccount, query: WebhookQuery, now: Freshness): string {
  const q = signedQuery(query);
  const echostr = verifyUrl({
    token: account.token,
    query: q,
    crypto: account.crypto,
    nowSeconds: now.nowSeconds,
    toleranceSeconds: now.toleranceSeconds,
  });
  if (q.echostr === undefined) throw new WebhookError('bad_request', 'GET without echostr');
  return echostr;
}
