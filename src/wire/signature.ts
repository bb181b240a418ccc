import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * WeChat's signature: SHA-1 over the lexicographically sorted parts joined without separator,
 * lowercase hex (WECHAT-PROTOCOL.md §1.2; with the `Encrypt` text as a fourth part for `msg_signature`, §1.3).
 */
export function wechatSignature(...parts: string[]): string {
  return createHash('sha1').update(parts.sort().join(''), 'utf8').digest('hex');
}

/** Constant-time string comparison; the length check first is safe because the lengths are public (40 hex). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** True when `signature` is the signature of the given parts. */
export function verifySignature(signature: string | undefined, ...parts: string[]): boolean {
  return typeof signature === 'string' && safeEqual(signature, wechatSignature(...parts));
}
