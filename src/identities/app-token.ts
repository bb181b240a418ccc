import { createHmac } from 'node:crypto';
import { labelledMac, verifyLabelledMac } from '../oauth/hmac.js';
import type { IdentitySource } from './identity.js';

const LABEL = 'wxoa/app-token/v1';

/**
 * How long a bearer token of a Mini Program or mobile app sign-in lasts: 2 hours. The token is stateless
 * (nothing to revoke), so it should not live long; signing in again is silent and cheap (`wx.login()` needs
 * no tap, and a mobile app that was authorized once gets a new code at once), and 2 hours is the life of
 * WeChat's own access tokens, so an app already renews on that rhythm.
 */
export const APP_TOKEN_TTL_MS = 2 * 3_600_000;

/** Who a bearer token stands for. */
export interface AppTokenClaims {
  appid: string;
  openid: string;
  unionid: string | null;
  source: IdentitySource;
}

const APPID = /^wx[0-9A-Za-z]{16}$/;

/**
 * The key an app's tokens are signed with, derived from its AppSecret as the visitor session key is derived
 * from the Official Account's: every instance agrees without sharing anything more, and resetting the
 * AppSecret signs that app's users out (and only them).
 */
export function appTokenKey(appid: string, appsecret: string): string {
  return createHmac('sha256', appsecret).update(`wxoa-app-token:${appid}`).digest('base64url');
}

/**
 * `<appid>.<base64url JSON>.<HMAC-SHA256>`: the AppID in clear picks the key, and is signed with the rest,
 * so a token of one app can never pass for another's. Signed, not encrypted: it holds no secret.
 */
export function signAppToken(claims: AppTokenClaims, key: string, expiresAt: number): string {
  if (!APPID.test(claims.appid)) throw new TypeError(`not an AppID: ${claims.appid}`);
  const body = Buffer.from(
    JSON.stringify({ o: claims.openid, u: claims.unionid, s: claims.source, exp: expiresAt }),
    'utf8',
  ).toString('base64url');
  const signed = `${claims.appid}.${body}`;
  return `${signed}.${labelledMac(key, LABEL, signed)}`;
}

/**
 * The claims of a token, or null when it is malformed, of an app `keyFor` does not know, not signed with
 * that app's key, or expired at `now` (valid while `now < exp`). The signature is checked before the body
 * is parsed.
 */
export function verifyAppToken(
  token: string,
  keyFor: (appid: string) => string | undefined,
  now: number,
): (AppTokenClaims & { expiresAt: number }) | null {
  if (typeof token !== 'string' || token.length > 4096) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [appid, body, mac] = parts as [string, string, string];
  if (!APPID.test(appid)) return null;
  const key = keyFor(appid);
  if (key === undefined || !verifyLabelledMac(key, LABEL, `${appid}.${body}`, mac)) return null;
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (data === null || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  if (typeof d['o'] !== 'string' || typeof d['s'] !== 'string' || typeof d['exp'] !== 'number') return null;
  if (!(now < d['exp'])) return null;
  return {
    appid,
    openid: d['o'],
    unionid: typeof d['u'] === 'string' ? d['u'] : null,
    source: d['s'] as IdentitySource,
    expiresAt: d['exp'],
  };
}
