import { isOAuthScope } from '../oauth/scope.js';
import type { OAuthLink } from './menu-types.js';

const AUTHORIZE_PATH = '/oauth/authorize';

/**
 * `publicUrl` (PUBLIC_URL) without trailing slashes, checked to be an absolute http(s) URL with no query or
 * fragment, so links can be appended to it. Throws a `TypeError` naming the problem otherwise.
 */
export function normalizePublicUrl(publicUrl: string): string {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new TypeError(`PUBLIC_URL must be an absolute URL like https://example.com (got "${publicUrl}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`PUBLIC_URL must start with http:// or https:// (got "${publicUrl}")`);
  }
  if (url.search !== '' || url.hash !== '' || publicUrl.includes('?') || publicUrl.includes('#')) {
    throw new TypeError(`PUBLIC_URL must not have a query or fragment (got "${publicUrl}")`);
  }
  return publicUrl.replace(/\/+$/, '');
}

/**
 * The link a menu button opens for `link`: this server's authorize route, which mints a state per visit and
 * redirects to WeChat (INTERFACE.md §6). `target` is percent-encoded so its own `?`, `&` and `#` survive.
 */
export function oauthLinkUrl(publicUrl: string, link: OAuthLink): string {
  return `${normalizePublicUrl(publicUrl)}${oauthLinkPath(link)}`;
}

/** The part of {@link oauthLinkUrl} after PUBLIC_URL: `/oauth/authorize?target=…&scope=…`. */
export function oauthLinkPath(link: OAuthLink): string {
  return `${AUTHORIZE_PATH}?target=${encodeURIComponent(link.target)}&scope=${link.scope}`;
}

/**
 * The {@link OAuthLink} behind a url made by {@link oauthLinkUrl} for `publicUrl`, or `null` for any other
 * url; lets `wxoa menu show` print a live menu the way its file was written.
 */
export function parseOAuthLinkUrl(url: string, publicUrl: string): OAuthLink | null {
  const prefix = `${normalizePublicUrl(publicUrl)}${AUTHORIZE_PATH}?`;
  if (!url.startsWith(prefix)) return null;
  const query = new URLSearchParams(url.slice(prefix.length));
  const target = query.get('target');
  const scope = query.get('scope');
  if (target === null || !isOAuthScope(scope)) return null;
  return { scope, target };
}
