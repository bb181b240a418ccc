import { labelledMac, verifyLabelledMac } from './hmac.js';

const LABEL = 'wxoa/cookie/v1';

/**
 * `value` followed by `.` and its HMAC-SHA256 (base64url) under `secret`. Only integrity is added: the value
 * stays readable, so never put a secret in it. The result is cookie-safe when `value` is.
 */
export function signCookieValue(value: string, secret: string): string {
  return `${value}.${labelledMac(secret, LABEL, value)}`;
}

/** The value inside a {@link signCookieValue} result, or `null` when the signature is missing or wrong. */
export function verifyCookieValue(signed: string, secret: string): string | null {
  if (typeof signed !== 'string') return null;
  // The MAC is base64url (no '.'), so the last '.' separates it even when the value itself contains dots.
  const dot = signed.lastIndexOf('.');
  if (dot < 0) return null;
  const value = signed.slice(0, dot);
  return verifyLabelledMac(secret, LABEL, value, signed.slice(dot + 1)) ? value : null;
}
