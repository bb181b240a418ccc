/**
 * The two scopes of WeChat web authorization (WECHAT-PROTOCOL.md §6.8): `snsapi_base` is silent and yields the
 * OpenID only; `snsapi_userinfo` shows a consent page and also yields the profile (and UnionID when bound).
 */
export const OAUTH_SCOPES = ['snsapi_base', 'snsapi_userinfo'] as const;

/** A WeChat web-authorization scope. */
export type OAuthScope = (typeof OAUTH_SCOPES)[number];

/** The scope used when a link names none (INTERFACE.md §6). */
export const DEFAULT_OAUTH_SCOPE: OAuthScope = 'snsapi_base';

/** True when `value` is one of {@link OAUTH_SCOPES}. */
export function isOAuthScope(value: unknown): value is OAuthScope {
  return typeof value === 'string' && (OAUTH_SCOPES as readonly string[]).includes(value);
}
