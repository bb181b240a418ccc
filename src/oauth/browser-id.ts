import { createHash } from 'node:crypto';
import { randomBase62 } from './random-token.js';

/** Length of a minted browser id (≈190 bits, like a state). */
export const BROWSER_ID_LENGTH = 32;

/** A fresh random id for the cookie that binds an OAuth `state` to one browser (INTERFACE.md §6). */
export function mintBrowserId(): string {
  return randomBase62(BROWSER_ID_LENGTH);
}

/**
 * SHA-256 (lowercase hex) of a browser id. The store keeps only this hash next to each pending `state`, so a
 * leaked database does not hand out cookie values; an unsalted hash suffices because the id is random.
 */
export function hashBrowserId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}
