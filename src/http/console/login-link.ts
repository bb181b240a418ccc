import { createHash } from 'node:crypto';
import { randomBase62 } from '../../oauth/random-token.js';
import type { OAuthRepo } from '../../oauth/oauth-repo.js';

/** A login link works for 15 minutes: long enough to copy from a terminal, short enough not to linger. */
export const LOGIN_LINK_TTL_MS = 15 * 60_000;

/** Length of the link's token: 32 base62 characters, ≈190 bits. */
export const LOGIN_TOKEN_LENGTH = 32;

/**
 * Prefix of the nonce rows in the OAuth state table. OAuth states are bare base62, which the callback checks
 * before any look-up, and the nonce row is keyed by a hash behind this prefix: neither kind can stand in for
 * the other.
 */
const NONCE_PREFIX = 'console-login:';

const TOKEN_PATTERN = new RegExp(`^[A-Za-z0-9]{${LOGIN_TOKEN_LENGTH}}$`);

/**
 * Mints a one-time login token and records its nonce in the database (the OAuth state table, whose
 * `takeState` deletes atomically), so the link works once, on any instance, and survives a restart within
 * its lifetime. Only a hash is stored: a leaked database does not hand out working links.
 */
export async function mintLoginToken(oauth: OAuthRepo, now: number): Promise<string> {
  const token = randomBase62(LOGIN_TOKEN_LENGTH);
  await oauth.saveState({
    state: nonceKey(token),
    browserHash: 'console-login',
    target: '/admin',
    // The column is shared with OAuth; the value means nothing for a login nonce.
    scope: 'snsapi_base',
    expiresAt: now + LOGIN_LINK_TTL_MS,
  });
  return token;
}

/**
 * Uses up a login token: true exactly once for a token minted less than {@link LOGIN_LINK_TTL_MS} ago.
 * An expired token is used up too, so it cannot be tried again.
 */
export async function redeemLoginToken(oauth: OAuthRepo, token: string, now: number): Promise<boolean> {
  if (!TOKEN_PATTERN.test(token)) return false;
  const row = await oauth.takeState(nonceKey(token));
  return row !== null && row.browserHash === 'console-login' && now < row.expiresAt;
}

function nonceKey(token: string): string {
  return NONCE_PREFIX + createHash('sha256').update(token, 'utf8').digest('hex');
}
