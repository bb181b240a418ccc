import { createHmac, randomBytes, randomInt } from 'node:crypto';

/** Random identifiers shaped like WeChat's, so clients meet realistic lengths and alphabets. */

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const OPENID_CHARS = ALNUM + '-_';

const POOL_BYTES = 16 * 1024;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/** Random bytes from a pool: one randomBytes call per 16 KiB keeps seeding 10 000 followers fast. */
function pooledBytes(length: number): Buffer {
  if (poolOffset + length > pool.length) {
    pool = randomBytes(Math.max(POOL_BYTES, length));
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + length);
  poolOffset += length;
  return bytes;
}

/** `length` characters drawn from `alphabet` (the slight modulo bias does not matter here). */
export function randomChars(length: number, alphabet: string = ALNUM): string {
  const bytes = pooledBytes(length);
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = alphabet.charCodeAt((bytes[i] ?? 0) % alphabet.length);
  return out.toString('latin1');
}

/** AppID: `wx` + 16 hex digits. */
export const newAppId = (): string => 'wx' + randomBytes(8).toString('hex');
/** AppSecret: 32 hex digits. */
export const newAppSecret = (): string => randomBytes(16).toString('hex');
/** The console Token: 3–32 letters and digits; we use 32. */
export const newToken = (): string => randomChars(32);
/** EncodingAESKey: 43 characters of [A-Za-z0-9] (§2.1). */
export const newEncodingAesKey = (): string => randomChars(43);
/** The original ID `gh_` + 12 hex digits (ToUserName of every push, §3.1). */
export const newGhId = (): string => 'gh_' + randomBytes(6).toString('hex');
/** OpenID: 28 characters starting with `o`, as in §3.2's samples. */
export const newOpenId = (): string => 'o' + randomChars(27, OPENID_CHARS);
/** UnionID: 29 characters starting with `o` (§6.2 sample). */
export const newUnionId = (): string => 'o' + randomChars(28, OPENID_CHARS);
/**
 * An id derived from a world's seed: the same seed and name always give the same id, so a simulator that
 * keeps its state (state-file.ts) hands out the ids it would have handed out before a restart. `alphabet`
 * is indexed by HMAC bytes, like randomChars.
 */
export function derivedChars(seed: string, name: string, length: number, alphabet: string = ALNUM): string {
  let bytes = Buffer.alloc(0);
  for (let block = 0; bytes.length < length; block++) {
    bytes = Buffer.concat([bytes, createHmac('sha256', seed).update(`${name}#${block}`).digest()]);
  }
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet.charAt((bytes[i] ?? 0) % alphabet.length);
  return out;
}

/** A person's UnionID from the world's seed and the person's sequence number. */
export const derivedUnionId = (seed: string, person: number): string =>
  'o' + derivedChars(seed, `unionid:${person}`, 28, OPENID_CHARS);
/** The OpenID an account sees for a person: from the seed, the AppID and the person's UnionID. */
export const derivedOpenId = (seed: string, appid: string, unionid: string): string =>
  'o' + derivedChars(seed, `openid:${appid}:${unionid}`, 27, OPENID_CHARS);
/** The original ID of an account, from the seed and its AppID. */
export const derivedGhId = (seed: string, appid: string): string =>
  'gh_' + createHmac('sha256', seed).update(`gh:${appid}`).digest('hex').slice(0, 12);

/** A push nonce: WeChat sends decimal digits (§1.2 example `1514711492`). */
export const newNonce = (): string => String(randomInt(100_000_000, 2_000_000_000));
/** An OAuth code: 32 letters and digits. */
export const newOAuthCode = (): string => randomChars(32);

/**
 * A QR ticket: standard base64 with `+`, `/` and `=` as real tickets have (§6.5 sample), so a client that
 * forgets to URL-encode it for showqrcode fails here as it would against WeChat.
 */
export function newTicket(): string {
  for (;;) {
    const ticket = 'gQ' + randomBytes(47).toString('base64');
    if (/[+/]/.test(ticket)) return ticket;
  }
}

/** The `url` of a QR code (its content): `http://weixin.qq.com/q/` + 22 characters. */
export const newQrUrl = (): string => 'http://weixin.qq.com/q/' + randomChars(22);

/** Access tokens: `<n>_` + base64url, ~130 characters like WeChat's (store ≥ 512, §6.1). */
export function newAccessToken(sequence: number): string {
  return `${sequence}_${randomBytes(96).toString('base64url')}`;
}

/** The shape every token this simulator issues has; anything else is "malformed" (40014). */
export const ACCESS_TOKEN_SHAPE = /^\d+_[A-Za-z0-9_-]{32,}$/;

/**
 * MsgIds are 64-bit (§3.1): start above 2^53 so a client that turns them into numbers loses digits and
 * its dedup breaks visibly.
 */
export class MsgIdSequence {
  private next: bigint;

  constructor() {
    this.next = 6_000_000_000_000_000_000n + BigInt(randomInt(0, 2 ** 40)) * 1000n;
  }

  /** The last MsgId given out, to persist; `resume` continues after it, so MsgIds never repeat. */
  get last(): string {
    return this.next.toString();
  }

  resume(last: string): void {
    if (/^\d+$/.test(last) && BigInt(last) > this.next) this.next = BigInt(last);
  }

  take(): string {
    this.next += BigInt(randomInt(1, 1000));
    return this.next.toString();
  }
}
