import { silentLogger, withBindings, type Logger } from '../logger.js';
import { MemoryTokenStore } from './memory-token-store.js';
import { AccessTokenProvider, type TokenEndpoint } from './access-token.js';
import { customMessageBody, type CustomMessage } from './custom-message.js';
import type { ApiOutcomeListener } from './api-failure.js';
import { ACCESS_TOKEN_ERROR_CODES } from './error-hints.js';
import { WechatApiError } from './errors.js';
import { numberOr, requireString } from './response-fields.js';
import { buildQrCodeBody, qrCodeImageUrl, type QrCodeRequest } from './qrcode-request.js';
import type { TokenStore } from './token-store.js';
import { ApiTransport, type ApiRequest, type WechatResponse } from './transport.js';
import type {
  FollowerPage,
  OAuthToken,
  OAuthUserInfo,
  QrCode,
  Tag,
  UserInfo,
  UserInfoLang,
} from './types.js';

/** WeChat's API host (WECHAT-PROTOCOL.md §6). */
export const DEFAULT_API_BASE = 'https://api.weixin.qq.com';

/** `user/info/batchget` takes at most 100 OpenIDs a call (§6.2). */
export const BATCHGET_MAX_OPENIDS = 100;

/** `/sns/auth` answers these when the OAuth token or openid is no good: a "no", not a failure. */
const OAUTH_INVALID_CODES: ReadonlySet<number> = new Set([40001, 40003, 40014, 42001, 42007]);

/** `menu/get` when no menu was created through the API. */
const MENU_NOT_FOUND = 46003;

/** How a {@link WechatApi} reaches WeChat and keeps its token. Every I/O seam is an option (ARCHITECTURE.md §4). */
export interface WechatApiOptions {
  appid: string;
  appsecret: string;
  /** Default https://api.weixin.qq.com; `WECHAT_API_BASE` points it at the simulator. */
  apiBase?: string;
  /** Default `stable_token`: the same token for every caller while valid, a far larger quota (§6.1). */
  tokenEndpoint?: TokenEndpoint;
  /** Where the token is shared; default an in-process MemoryTokenStore. Use the database store with several instances. */
  tokenStore?: TokenStore;
  fetch?: typeof fetch;
  /** Per attempt; default 5000. */
  timeoutMs?: number;
  /**
   * Further attempts after `-1`, network errors, timeouts and 5xx; default 3. A message send or an OAuth
   * code exchange is not repeated after a timeout or 5xx (the first attempt may have taken effect).
   */
  retries?: number;
  /** First back-off, doubling with jitter; default 200. */
  backoffMs?: number;
  /** Refresh the token when this little of its life remains; default 5 minutes (§6.1). */
  refreshMarginMs?: number;
  /** Unix milliseconds, for token expiry; default Date.now. */
  clock?: () => number;
  logger?: Logger;
  /**
   * Told how each request ended (after retries), e.g. {@link apiFailureRecorder} keeping the last failure
   * where the console sees it. Never given a secret.
   */
  onOutcome?: ApiOutcomeListener;
  /**
   * Called with each token-authenticated call's path before it is sent; throwing stops the call (a
   * third-party platform's permission check: a set the account never granted, before WeChat's 48001).
   */
  beforeCall?: (endpoint: string) => void;
}

/**
 * The typed client of the WeChat Official Account API for one AppID: the access_token is fetched, cached,
 * shared and renewed behind every call (one renewal and one retry on 40001/40014/42001, never a loop);
 * WeChat's errors become WechatApiError with hints, transport failures WechatHttpError. No secret ever
 * reaches an error message or a log line.
 */
export class WechatApi {
  /** The AppID this client acts for. */
  readonly appid: string;
  readonly #appsecret: string;
  readonly #apiBase: string;
  readonly #transport: ApiTransport;
  readonly #tokens: AccessTokenProvider;
  readonly #logger: Logger;
  readonly #beforeCall: ((endpoint: string) => void) | undefined;

  constructor(opts: WechatApiOptions) {
    if (opts.appid === '') throw new TypeError('WechatApi: appid is required');
    if (opts.appsecret === '') throw new TypeError('WechatApi: appsecret is required');
    const apiBase = opts.apiBase ?? DEFAULT_API_BASE;
    if (!URL.canParse(apiBase)) throw new TypeError(`WechatApi: apiBase is not a URL: ${apiBase}`);
    this.appid = opts.appid;
    this.#appsecret = opts.appsecret;
    this.#apiBase = apiBase;
    this.#beforeCall = opts.beforeCall;
    this.#logger = withBindings(opts.logger ?? silentLogger, { module: 'wechat-api', appid: opts.appid });
    const clock = opts.clock ?? Date.now;
    this.#transport = new ApiTransport({
      apiBase,
      fetch: opts.fetch,
      timeoutMs: opts.timeoutMs,
      retries: opts.retries,
      backoffMs: opts.backoffMs,
      logger: this.#logger,
      onOutcome: opts.onOutcome,
    });
    this.#tokens = new AccessTokenProvider({
      appid: opts.appid,
      appsecret: opts.appsecret,
      endpoint: opts.tokenEndpoint ?? 'stable_token',
      store: opts.tokenStore ?? new MemoryTokenStore({ clock }),
      transport: this.#transport,
      refreshMarginMs: opts.refreshMarginMs ?? 5 * 60_000,
      clock,
      logger: this.#logger,
    });
  }

  /** A valid access_token (cached; at most one refresh in flight). */
  getAccessToken(): Promise<string> {
    return this.#tokens.get();
  }

  /** `user/info` (§6.2). */
  async getUserInfo(openid: string, lang: UserInfoLang = 'zh_CN'): Promise<UserInfo> {
    const json = await this.#call({ method: 'GET', path: '/cgi-bin/user/info', query: { openid, lang } });
    return withoutStatus(json) as unknown as UserInfo;
  }

  /** `user/info/batchget` (§6.2), in calls of at most 100 OpenIDs, one after another; results in request order. */
  async batchGetUserInfo(openids: readonly string[], lang: UserInfoLang = 'zh_CN'): Promise<UserInfo[]> {
    const infos: UserInfo[] = [];
    for (let i = 0; i < openids.length; i += BATCHGET_MAX_OPENIDS) {
      const chunk = openids.slice(i, i + BATCHGET_MAX_OPENIDS);
      const json = await this.#call({
        method: 'POST',
        path: '/cgi-bin/user/info/batchget',
        body: { user_list: chunk.map((openid) => ({ openid, lang })) },
      });
      const list = json['user_info_list'];
      if (Array.isArray(list)) infos.push(...(list as UserInfo[]));
    }
    return infos;
  }

  /** One page of `user/get` (§6.3), from the start or after `nextOpenid`. */
  async getFollowers(nextOpenid?: string): Promise<FollowerPage> {
    const json = await this.#call({
      method: 'GET',
      path: '/cgi-bin/user/get',
      ...(nextOpenid ? { query: { next_openid: nextOpenid } } : {}),
    });
    return followerPage(json);
  }

  /**
   * Every page of `user/get` from the start (or after `startAfter`), stopping by §6.3's rules: a page without
   * OpenIDs ends the list (WeChat still sends `next_openid` on the last page), and so does a missing or
   * repeated `next_openid`. Each page carries the cursor to resume from.
   */
  async *iterateFollowers(
    startAfter?: string,
  ): AsyncIterable<{ total: number; openids: string[]; nextOpenid: string | null }> {
    let cursor = startAfter;
    for (;;) {
      const page = await this.getFollowers(cursor);
      if (page.openids.length === 0) return;
      yield { total: page.total, openids: page.openids, nextOpenid: page.nextOpenid };
      if (page.nextOpenid === null || page.nextOpenid === cursor) return;
      cursor = page.nextOpenid;
    }
  }

  /** `tags/get` (§6.4). */
  async getTags(): Promise<Tag[]> {
    const json = await this.#call({ method: 'GET', path: '/cgi-bin/tags/get' });
    const tags = Array.isArray(json['tags']) ? (json['tags'] as Array<Record<string, unknown>>) : [];
    return tags.map((t) => ({
      id: numberOr(t['id'], 0),
      name: String(t['name'] ?? ''),
      count: numberOr(t['count'], 0),
    }));
  }

  /** `tags/create` (§6.4): the new tag's id and name. */
  async createTag(name: string): Promise<{ id: number; name: string }> {
    const json = await this.#call({ method: 'POST', path: '/cgi-bin/tags/create', body: { tag: { name } } });
    const tag = (json['tag'] ?? {}) as Record<string, unknown>;
    return { id: numberOr(tag['id'], 0), name: String(tag['name'] ?? name) };
  }

  /** `tags/update` (§6.4): renames a tag. */
  async updateTag(id: number, name: string): Promise<void> {
    await this.#call({ method: 'POST', path: '/cgi-bin/tags/update', body: { tag: { id, name } } });
  }

  /** `tags/delete` (§6.4). */
  async deleteTag(id: number): Promise<void> {
    await this.#call({ method: 'POST', path: '/cgi-bin/tags/delete', body: { tag: { id } } });
  }

  /** `tags/members/batchtagging` or `batchuntagging` (§6.4): at most 50 OpenIDs, sent as given. */
  async batchTagging(tagid: number, openids: readonly string[], untag = false): Promise<void> {
    const path = untag ? '/cgi-bin/tags/members/batchuntagging' : '/cgi-bin/tags/members/batchtagging';
    await this.#call({ method: 'POST', path, body: { openid_list: openids, tagid } });
  }

  /** One page of `tags/members/getblacklist` (§6.4b), from the start or after `beginOpenid`. */
  async getBlacklist(beginOpenid?: string): Promise<FollowerPage> {
    const json = await this.#call({
      method: 'POST',
      path: '/cgi-bin/tags/members/getblacklist',
      body: { begin_openid: beginOpenid ?? '' },
    });
    return followerPage(json);
  }

  /** `tags/members/batchblacklist` or `batchunblacklist` (§6.4b): at most 20 OpenIDs, sent as given. */
  async batchBlacklist(openids: readonly string[], remove = false): Promise<void> {
    const path = remove ? '/cgi-bin/tags/members/batchunblacklist' : '/cgi-bin/tags/members/batchblacklist';
    await this.#call({ method: 'POST', path, body: { openid_list: openids } });
  }

  /** `user/info/updateremark` (§6.2). */
  async updateRemark(openid: string, remark: string): Promise<void> {
    await this.#call({ method: 'POST', path: '/cgi-bin/user/info/updateremark', body: { openid, remark } });
  }

  /**
   * `qrcode/create` (§6.5). The request is validated first (QrCodeRequestError, nothing sent); temporary codes
   * always send `expire_seconds`, 30 days unless asked otherwise.
   */
  async createQrCode(req: QrCodeRequest): Promise<QrCode> {
    const body = buildQrCodeBody(req);
    const path = '/cgi-bin/qrcode/create';
    const json = await this.#call({ method: 'POST', path, body });
    const ticket = requireString(json, 'ticket', path);
    const permanent = !('expire_seconds' in body);
    return {
      ticket,
      url: typeof json['url'] === 'string' ? json['url'] : '',
      expireSeconds: permanent ? null : numberOr(json['expire_seconds'], body.expire_seconds),
      imageUrl: qrCodeImageUrl(ticket, this.#apiBase),
    };
  }

  /** `menu/create` (§6.6); the menu is sent as given (menu/ validates it). */
  async createMenu(menu: { button: unknown[] }): Promise<void> {
    await this.#call({ method: 'POST', path: '/cgi-bin/menu/create', body: menu });
  }

  /** `menu/get` (§6.6): `{ menu: { button }, conditionalmenu? }`, or null when no menu exists (46003). */
  async getMenu(): Promise<unknown | null> {
    try {
      return withoutStatus(
        await this.#call({ method: 'GET', path: '/cgi-bin/menu/get', expectedErrcodes: [MENU_NOT_FOUND] }),
      );
    } catch (err) {
      if (err instanceof WechatApiError && err.errcode === MENU_NOT_FOUND) return null;
      throw err;
    }
  }

  /** `menu/delete` (§6.6): the default menu and every conditional menu. */
  async deleteMenu(): Promise<void> {
    await this.#call({ method: 'GET', path: '/cgi-bin/menu/delete' });
  }

  /**
   * `message/custom/send` (§6.7). Not retried after a timeout or 5xx, which may have delivered it: a
   * follower must not get a message twice. Outside the window → WechatApiError 45015.
   */
  async sendCustomMessage(msg: CustomMessage): Promise<void> {
    await this.#call({
      method: 'POST',
      path: '/cgi-bin/message/custom/send',
      body: customMessageBody(msg),
      idempotent: false,
    });
  }

  /** `message/custom/typing` (§6.7): needs an interaction in the last 30 s (45080); cannot be resent while active (45081). */
  async typing(openid: string, command: 'Typing' | 'CancelTyping'): Promise<void> {
    await this.#call({
      method: 'POST',
      path: '/cgi-bin/message/custom/typing',
      body: { touser: openid, command },
      idempotent: false,
    });
  }

  /** Exchanges a web-authorization `code` (§6.8 step 2). A code is single-use, so a timed-out exchange is not retried. */
  async oauthExchangeCode(code: string): Promise<OAuthToken> {
    const path = '/sns/oauth2/access_token';
    const json = await this.#transport.request({
      method: 'GET',
      path,
      query: { appid: this.appid, secret: this.#appsecret, code, grant_type: 'authorization_code' },
      secrets: [this.#appsecret, code],
      idempotent: false,
    });
    return oauthToken(json, path);
  }

  /**
   * A Mini Program's `wx.login()` code → its user (`/sns/jscode2session`, WECHAT-PROTOCOL.md §9). A code is
   * single-use, so a timed-out exchange is not retried. WeChat's `session_key` is dropped here, unread by
   * anything: wxoa decrypts no Mini Program data, and a key never kept cannot leak.
   */
  async miniProgramSession(code: string): Promise<{ openid: string; unionid?: string }> {
    const path = '/sns/jscode2session';
    const json = await this.#transport.request({
      method: 'GET',
      path,
      query: { appid: this.appid, secret: this.#appsecret, js_code: code, grant_type: 'authorization_code' },
      secrets: [this.#appsecret, code],
      idempotent: false,
    });
    const unionid = json['unionid'];
    return {
      openid: requireString(json, 'openid', path),
      ...(typeof unionid === 'string' && unionid !== '' ? { unionid } : {}),
    };
  }

  /** Renews an OAuth token with its refresh_token (§6.8 step 3; 30 days, then 42002). */
  async oauthRefresh(refreshToken: string): Promise<OAuthToken> {
    const path = '/sns/oauth2/refresh_token';
    const json = await this.#transport.request({
      method: 'GET',
      path,
      query: { appid: this.appid, grant_type: 'refresh_token', refresh_token: refreshToken },
      secrets: [this.#appsecret, refreshToken],
    });
    return oauthToken(json, path);
  }

  /** `/sns/userinfo` with the user's OAuth token (§6.8 step 4; `snsapi_userinfo` only, else 48001). */
  async oauthUserInfo(
    accessToken: string,
    openid: string,
    lang: UserInfoLang = 'zh_CN',
  ): Promise<OAuthUserInfo> {
    const json = await this.#transport.request({
      method: 'GET',
      path: '/sns/userinfo',
      query: { access_token: accessToken, openid, lang },
      secrets: [this.#appsecret, accessToken],
    });
    const unionid = json['unionid'];
    return {
      openid: typeof json['openid'] === 'string' ? json['openid'] : openid,
      nickname: stringOr(json['nickname']),
      sex: numberOr(json['sex'], 0),
      province: stringOr(json['province']),
      city: stringOr(json['city']),
      country: stringOr(json['country']),
      headimgurl: stringOr(json['headimgurl']),
      privilege: Array.isArray(json['privilege']) ? json['privilege'].map(String) : [],
      ...(typeof unionid === 'string' && unionid !== '' ? { unionid } : {}),
    };
  }

  /** `/sns/auth` (§6.8 step 5): whether the OAuth token is still valid for `openid`. */
  async oauthCheck(accessToken: string, openid: string): Promise<boolean> {
    try {
      await this.#transport.request({
        method: 'GET',
        path: '/sns/auth',
        query: { access_token: accessToken, openid },
        secrets: [this.#appsecret, accessToken],
      });
      return true;
    } catch (err) {
      if (err instanceof WechatApiError && OAUTH_INVALID_CODES.has(err.errcode)) return false;
      throw err;
    }
  }

  /**
   * A call with the access_token. On 40001/40014/42001 (§6.1: token invalid, replaced or expired) the token
   * is renewed once and the call retried once; a second rejection is thrown as is — never a loop.
   */
  async #call(req: Omit<ApiRequest, 'secrets'>): Promise<WechatResponse> {
    this.#beforeCall?.(req.path);
    const token = await this.#tokens.get();
    try {
      return await this.#transport.request(this.#withToken(req, token));
    } catch (err) {
      if (!(err instanceof WechatApiError) || !ACCESS_TOKEN_ERROR_CODES.has(err.errcode)) throw err;
      this.#logger.info({ endpoint: req.path, errcode: err.errcode }, 'access_token rejected; renewing once');
      const renewed = await this.#tokens.renew(token);
      return this.#transport.request(this.#withToken(req, renewed));
    }
  }

  #withToken(req: Omit<ApiRequest, 'secrets'>, token: string): ApiRequest {
    return {
      ...req,
      query: { access_token: token, ...req.query },
      secrets: [token, this.#appsecret],
    };
  }
}

function oauthToken(json: WechatResponse, path: string): OAuthToken {
  const unionid = json['unionid'];
  return {
    accessToken: requireString(json, 'access_token', path),
    expiresIn: numberOr(json['expires_in'], 7200),
    refreshToken: stringOr(json['refresh_token']),
    openid: requireString(json, 'openid', path),
    scope: stringOr(json['scope']),
    ...(typeof unionid === 'string' && unionid !== '' ? { unionid } : {}),
    isSnapshotUser: json['is_snapshotuser'] === 1,
  };
}

/** WeChat's answer without the `errcode: 0, errmsg: "ok"` some successes carry. */
function withoutStatus(json: WechatResponse): WechatResponse {
  const { errcode: _errcode, errmsg: _errmsg, ...rest } = json;
  return rest;
}

/** A page of OpenIDs as `user/get` and `tags/members/getblacklist` answer it (§6.3, §6.4b). */
function followerPage(json: WechatResponse): FollowerPage {
  const data = json['data'] as { openid?: unknown } | undefined;
  const openids = Array.isArray(data?.openid) ? (data.openid as string[]) : [];
  const next = json['next_openid'];
  return {
    total: numberOr(json['total'], 0),
    count: numberOr(json['count'], openids.length),
    openids,
    nextOpenid: typeof next === 'string' && next !== '' ? next : null,
  };
}

function stringOr(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
