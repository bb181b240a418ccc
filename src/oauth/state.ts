import { randomBase62 } from './random-token.js';

/**
 * Length of a minted OAuth `state`: 32 base62 characters carry ≈190 bits, far beyond guessing, and stay well
 * inside WeChat's limit of 128 bytes of [a-zA-Z0-9] (WECHAT-PROTOCOL.md §6.8).
 */
export const STATE_LENGTH = 32;

const STATE_PATTERN = new RegExp(`^[A-Za-z0-9]{${STATE_LENGTH}}$`);

/** A fresh, unguessable OAuth `state` for one visit to `/oauth/authorize` (INTERFACE.md §6). */
export function mintState(): string {
  return randomBase62(STATE_LENGTH);
}

/**
 * True when `value` has the shape {@link mintState} produces; lets the callback reject junk before any
 * store look-up. Says nothing about whether the state was issued, is unused or belongs to the browser.
 */
export function isWellFormedState(value: unknown): value is string {
  return typeof value === 'string' && STATE_PATTERN.test(value);
}
