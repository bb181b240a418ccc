import type { StoredToken } from './token-store.js';

/**
 * Whether a stored token can be handed out instead of fetching a new one: it is not the token the WeChat API
 * just rejected (40001 and friends), and it stays valid for at least `minValidMs`.
 */
export function isTokenUsable(
  token: StoredToken,
  failedToken: string | null,
  minValidMs: number,
  now: number,
): boolean {
  return token.token !== failedToken && token.expiresAt - now >= minValidMs;
}
