/** WeChat's OAuth page host (INTERFACE.md §2 `WECHAT_OPEN_BASE`). */
export const DEFAULT_OPEN_BASE = 'https://open.weixin.qq.com';

/** OAuth scopes of an Official Account (WECHAT-PROTOCOL.md §6.8). */
export type OAuthScope = 'snsapi_base' | 'snsapi_userinfo';

/** What the authorize link is built from. */
export interface OAuthAuthorizeUrlOptions {
  /** Default https://open.weixin.qq.com; the simulator's URL in sandbox mode. */
  openBase?: string;
  appid: string;
  /** Absolute; its domain must be configured in the console. Encoded here. */
  redirectUri: string;
  scope: OAuthScope;
  /** Echoed back on the redirect: `[a-zA-Z0-9]`, at most 128 characters. */
  state: string;
  /** Force the consent dialog where it would otherwise be skipped. */
  forcePopup?: boolean;
  /** A third-party platform authorizing on behalf of `appid` (WECHAT-PROTOCOL.md §8). */
  componentAppid?: string | undefined;
}

const STATE_PATTERN = /^[A-Za-z0-9]{0,128}$/;

/**
 * The link that starts web authorization (§6.8 step 1): parameters in the documented order and
 * `#wechat_redirect`, both of which WeChat insists on. Throws RangeError for a state WeChat would mangle.
 */
export function buildOAuthAuthorizeUrl(opts: OAuthAuthorizeUrlOptions): string {
  return signInUrl('/connect/oauth2/authorize', opts, opts.scope, [
    ...(opts.forcePopup === true ? ['forcePopup=true'] : []),
    ...(opts.componentAppid !== undefined
      ? [`component_appid=${encodeURIComponent(opts.componentAppid)}`]
      : []),
  ]);
}

/**
 * A website app's QR sign-in page (WECHAT-PROTOCOL.md §9, INTERFACE.md §8):
 * `/connect/qrconnect?appid&redirect_uri&response_type=code&scope=snsapi_login&state#wechat_redirect`.
 */
export function buildQrConnectUrl(opts: Omit<OAuthAuthorizeUrlOptions, 'scope' | 'forcePopup'>): string {
  return signInUrl('/connect/qrconnect', opts, 'snsapi_login', []);
}

/** Either sign-in page's link: the common parameters in WeChat's order, then `extra`. */
function signInUrl(
  path: string,
  opts: Pick<OAuthAuthorizeUrlOptions, 'appid' | 'redirectUri' | 'state' | 'openBase'>,
  scope: string,
  extra: string[],
): string {
  if (!STATE_PATTERN.test(opts.state)) {
    throw new RangeError('OAuth state must be at most 128 letters and digits ([a-zA-Z0-9])');
  }
  const base = (opts.openBase ?? DEFAULT_OPEN_BASE).replace(/\/+$/, '');
  const query = [
    `appid=${encodeURIComponent(opts.appid)}`,
    `redirect_uri=${encodeURIComponent(opts.redirectUri)}`,
    'response_type=code',
    `scope=${scope}`,
    `state=${opts.state}`,
    ...extra,
  ].join('&');
  return `${base}${path}?${query}#wechat_redirect`;
}
