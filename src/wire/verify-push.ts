import type { MessageCrypto } from './crypto.js';
import { WireError } from './errors.js';
import { verifySignature3, verifySignature4 } from './signature.js';

/** The query string of a push or URL check, one value per name (§1.2, §1.3). */
export type PushQuery = Readonly<Record<string, string | undefined>>;

/** The clock and window shared by both checks. */
export interface FreshnessParams {
  /** Now, in Unix seconds (injected so tests can fix the clock). */
  nowSeconds: number;
  /** How far `timestamp` may be from now; 0 turns the window off (INTERFACE.md §2). */
  toleranceSeconds: number;
}

const DIGITS = /^\d{1,15}$/;

/**
 * Checks the `timestamp` parameter: it must be decimal Unix seconds (it is part of every signature) and, when
 * `toleranceSeconds` > 0, within that many seconds of now. WeChat documents no replay window (§1.3); this
 * one bounds how long a captured push stays replayable. Returns the value for signing.
 */
export function checkTimestamp(
  timestamp: string | undefined,
  nowSeconds: number,
  toleranceSeconds: number,
): string {
  if (timestamp === undefined || !DIGITS.test(timestamp)) {
    throw new WireError('timestamp', 'the timestamp parameter is missing or not Unix seconds');
  }
  const skew = Math.abs(nowSeconds - Number(timestamp));
  if (toleranceSeconds > 0 && skew > toleranceSeconds) {
    throw new WireError('timestamp', `timestamp is ${skew} s from now (tolerance ${toleranceSeconds} s)`);
  }
  return timestamp;
}

const mismatch = (name: string): WireError => new WireError('signature', `${name} does not match`, -40001);

/** What {@link checkPushQuery} checks: the query alone. */
export interface PushQueryParams extends FreshnessParams {
  token: string;
  query: PushQuery;
}

/**
 * The checks of a POST push that need no body (§1.3): `timestamp` fresh, `nonce` present, and the 3-part
 * `signature` valid. WeChat sends `signature` in every mode (in safe and compatible mode next to
 * `msg_signature`), so a request without one is refused. Throws WireError 'timestamp' or 'signature'.
 */
export function checkPushQuery(params: PushQueryParams): void {
  const { token, query } = params;
  const timestamp = checkTimestamp(query.timestamp, params.nowSeconds, params.toleranceSeconds);
  const nonce = query.nonce;
  if (nonce === undefined || nonce === '') {
    throw new WireError('signature', 'the nonce parameter is missing', -40001);
  }
  if (query.signature === undefined) {
    throw new WireError('signature', 'the request carries no signature', -40001);
  }
  if (!verifySignature3(query.signature, token, timestamp, nonce)) throw mismatch('signature');
}

/** What {@link verifyMsgSignature} checks. */
export interface MsgSignatureParams {
  token: string;
  query: PushQuery;
  /** The body's `Encrypt` text. */
  encrypt: string;
}

/** The 4-part `msg_signature` over the body's `Encrypt` (§1.3): the one signature that covers the body. */
export function verifyMsgSignature(params: MsgSignatureParams): void {
  const { token, query, encrypt } = params;
  const timestamp = query.timestamp ?? '';
  if (!verifySignature4(query.msg_signature, token, timestamp, query.nonce ?? '', encrypt)) {
    throw mismatch('msg_signature');
  }
}

/** What {@link verifyPush} checks. */
export interface VerifyPushParams extends PushQueryParams {
  /** The body's `Encrypt` text when the push has `encrypt_type=aes`; absent for a plaintext push. */
  encrypt?: string | undefined;
}

/**
 * Verifies a POST push (§1.3): {@link checkPushQuery}, then for an encrypted push the 4-part
 * `msg_signature` over `Encrypt`. Throws WireError 'timestamp' or 'signature'.
 */
export function verifyPush(params: VerifyPushParams): void {
  checkPushQuery(params);
  if (params.encrypt !== undefined) {
    verifyMsgSignature({ token: params.token, query: params.query, encrypt: params.encrypt });
  }
}

/** What {@link verifyUrl} checks. */
export interface VerifyUrlParams extends FreshnessParams {
  token: string;
  query: PushQuery;
  /** Only for the WeCom-style handshake (an encrypted `echostr` signed by `msg_signature`). */
  crypto?: MessageCrypto | undefined;
}

/**
 * Verifies the GET URL check (§1.2) and returns the body to answer with. An Official Account sends the
 * 3-part `signature` and a plain `echostr`, echoed verbatim in every mode. With only `msg_signature` (the
 * WeCom handshake, also §1.2) the echostr is verified 4-part, decrypted, and its plaintext returned.
 */
export function verifyUrl(params: VerifyUrlParams): string {
  const { token, query, crypto } = params;
  const timestamp = checkTimestamp(query.timestamp, params.nowSeconds, params.toleranceSeconds);
  const nonce = query.nonce ?? '';
  const echostr = query.echostr ?? '';
  if (query.signature !== undefined) {
    if (!verifySignature3(query.signature, token, timestamp, nonce)) throw mismatch('signature');
    return echostr;
  }
  if (query.msg_signature !== undefined && crypto !== undefined) {
    if (!verifySignature4(query.msg_signature, token, timestamp, nonce, echostr))
      throw mismatch('msg_signature');
    return crypto.decrypt(echostr);
  }
  throw new WireError('signature', 'the request carries no signature', -40001);
}
