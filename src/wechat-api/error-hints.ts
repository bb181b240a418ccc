/**
 * What an operator can do about WeChat's well-known error codes (WECHAT-PROTOCOL.md §7; wording after
 * WxJava's WxMpErrorMsgEnum and the official common error-code table).
 */

/** The codes that mean "this access_token is no good": refresh once and retry (§6.1, WXJ ACCESS_TOKEN_ERROR_CODES). */
export const ACCESS_TOKEN_ERROR_CODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);

/** The token endpoints, where 40001 means a wrong AppSecret rather than a stale token (§7). */
const TOKEN_ENDPOINTS: ReadonlySet<string> = new Set(['/cgi-bin/token', '/cgi-bin/stable_token']);

const HINTS: Readonly<Record<number, string>> = {
  [-1]: 'WeChat is busy; retried with back-off and still failing, try again later',
  40001:
    'access_token rejected even after one refresh; is another service refreshing this AppID with /cgi-bin/token or force_refresh?',
  40003: 'invalid openid: not a follower of this account, or an OpenID of another AppID',
  40013: 'invalid AppID: check WECHAT_APPID for wrong case or stray characters',
  40014: 'access_token malformed or of another account, even after one refresh',
  40029: 'invalid OAuth code: wrong, or older than 5 minutes; send the user through authorization again',
  40125: 'invalid AppSecret: it was reset or mistyped; copy WECHAT_APPSECRET again from the console',
  40163: 'OAuth code already used: a code is single-use; send the user through authorization again',
  40164:
    "this server's IP is not in the account's IP whitelist: add its egress IP in the console (Settings and Development > Basic configuration)",
  40243: 'AppSecret is frozen: unfreeze it in the console',
  42001: 'access_token expired, even after one refresh',
  42003: 'OAuth code expired (older than 5 minutes); send the user through authorization again',
  43004: 'the recipient must follow the account',
  45008: 'too many articles: a customer-service news message takes exactly one article',
  45009: 'daily API quota exhausted: wait until tomorrow or clear it with /cgi-bin/clear_quota',
  45011: 'per-minute API quota reached: slow down and retry after at least 60 seconds',
  45015:
    'outside the customer-service window: the user has not interacted within the last 48 hours, or has unfollowed',
  45047: "customer-service message quota for this user's window is used up: wait for the user to write again",
  48001:
    'API unauthorized: the account lacks this permission (unverified, feature not enabled, or wrong token type)',
};

/** The hint for `errcode` returned by `endpoint`, if there is a useful one. */
export function hintFor(errcode: number, endpoint: string): string | undefined {
  if (errcode === 40001 && TOKEN_ENDPOINTS.has(endpoint)) {
    return 'invalid credential while fetching the access_token: check WECHAT_APPSECRET (and that it belongs to WECHAT_APPID)';
  }
  return HINTS[errcode];
}
