import { randomBytes } from 'node:crypto';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// 248 = 4 × 62: bytes at or above it are dropped so every character is equally likely (no modulo bias).
const UNBIASED_LIMIT = 248;

/** `length` characters drawn uniformly from [A-Za-z0-9] with the system CSPRNG (≈5.95 bits each). */
export function randomBase62(length: number): string {
  if (!Number.isInteger(length) || length < 1)
    throw new RangeError(`length must be a positive integer (got ${length})`);
  let out = '';
  while (out.length < length) {
    // Draw a little more than needed: about 3 % of bytes are rejected.
    for (const byte of randomBytes(length - out.length + 8)) {
      if (byte < UNBIASED_LIMIT && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}
