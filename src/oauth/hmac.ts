import { createHmac } from 'node:crypto';
import { safeEqual } from '../wire/signature.js';

/**
 * HMAC-SHA256 of `message` under `secret`, base64url, with a purpose label mixed in so a value signed for one
 * use (a cookie) can never be replayed as another (a session token) when both share one secret.
 */
export function labelledMac(secret: string, label: string, message: string): string {
  if (secret.length === 0) throw new TypeError('the signing secret must not be empty');
  return createHmac('sha256', secret).update(`${label}\u0000${message}`, 'utf8').digest('base64url');
}

/** Constant-time check that `mac` is the {@link labelledMac} of `message` (architecture pattern 7). */
export function verifyLabelledMac(secret: string, label: string, message: string, mac: string): boolean {
  return safeEqual(mac, labelledMac(secret, label, message));
}
