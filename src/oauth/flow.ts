import { silentLogger, withBindings, type Logger } from '../logger.js';
import type { OAuthRepo } from './oauth-repo.js';
import { buildOAuthAuthorizeUrl, buildQrConnectUrl } from '../wechat-api/oauth-authorize-url.js';
import { WechatApiError, WechatHttpError } from '../wechat-api/errors.js';
import type { OAuthToken, OAuthUserInfo } from '../wechat-api/types.js';
import { safeEqual } from '../wire/signature.js';
import { hashBrowserId } from './browser-id.js';
import { isLocalTarget } from './local-target.js';
import { DEFAULT_OAUTH_SCOPE, isOAuthScope, type OAuthScope } from './scope.js';
import { isWellFormedState, mintState } from './state.js';

/** What the flow needs of the WeChat API client (WECHAT-PROTOCOL.md §6.8 steps 2 and 4). */
export interface OAuthApi {
  oauthExchangeCode(code: string): Promise<OAuthToken>;
  oauthUserInfo(accessToken: string, openid: string): Promise<OAuthUserInfo>;
}

/** Options of {@link OAuthFlow}. */
export interface OAuthFlowOptions {
  /** The account whose web authorization this is (WECHAT_APPID). */
  appid: string;
  api: OAuthApi;
  oauth: OAuthRepo;
  /** `WECHAT_OPEN_BASE`: WeChat's authorize page, or the simulator's. */
  openBase: string;
  /** `PUBLIC_URL`: the callback is `$PUBLIC_URL/oauth/callback`. */
  publicUrl: string;
  /** Where WeChat sends the browser back; default `/oauth/callback`. */
  callbackPath?: string;
  /** A third-party platform authorizing on behalf of `appid`: added to the authorize URL (§8). */
  componentAppid?: string;
  /** How long a minted state may be used; default {@link DEFAULT_STATE_TTL_MS}. */
  stateTtlMs?: number;
  /** Unix milliseconds; default Date.now. */
  clock?: () => number;
  logger?: Logger;
  /**
   * The website apps of the Open Platform that sign in by QR code (`GET /oauth/login`, INTERFACE.md §8):
   * each one's API client, by AppID. Their sign-ins come back through the same callback.
   */
  websiteApi?: (appid: string) => OAuthApi | undefined;
  /**
   * Records a website sign-in (identities/ keeps them, linked by UnionID); returns the UnionID known for the
   * OpenID. Required with `websiteApi`.
   */
  recordWebsite?: (
    identity: OAuthIdentity & { nickname: string | null },
  ) => Promise<{ unionid: string | null }>;
}

/** A `state` of a website app's QR sign-in, beside the Official Account's two scopes. */
export type StateScope = OAuthScope | 'snsapi_login';

/**
 * Ten minutes: enough to read a consent page, short enough that a leaked link soon dies. WeChat's own
 * `code` lives 5 minutes (§6.8), so a state cannot usefully outlive that by much.
 */
export const DEFAULT_STATE_TTL_MS = 10 * 60_000;

/** Longest `code` passed on to WeChat: real codes are 32 characters; anything huge is junk. */
const MAX_CODE_LENGTH = 512;

/** Who signed in: what the session carries and what `visitorOf` returns. */
export interface OAuthIdentity {
  appid: string;
  openid: string;
  /** Only with a bound Open Platform account (and, for most accounts, `snsapi_userinfo`). */
  unionid: string | null;
  /** The scope WeChat granted. */
  scope: string;
  /**
   * The virtual user of WeChat's "snapshot page" mode (`is_snapshotuser`, §6.8): its openid is nobody's
   * real one, so it is never linked to a follower (and carries no unionid).
   */
  isSnapshotUser: boolean;
}

/** `/oauth/authorize` was asked for something it must not do; the message says what (for a 400). */
export class OAuthRequestError extends Error {
  override readonly name = 'OAuthRequestError';
  constructor(
    readonly field: 'target' | 'scope',
    message: string,
  ) {
    super(message);
  }
}

/** How a callback ended. */
export type OAuthOutcome =
  /** Signed in: start a session and go to `target`. */
  | { kind: 'signed_in'; identity: OAuthIdentity; target: string }
  /** The state was good but WeChat sent no code: the user declined. No session. */
  | { kind: 'refused'; target: string; scope: StateScope }
  /** Forged, unknown, expired, already used, or minted for another browser: a 400 with no details. */
  | { kind: 'invalid_state'; reason: 'malformed' | 'unknown' | 'expired' | 'other_browser' }
  /** WeChat refused the code (invalid, used, expired: 40029 / 40163 / 42003): start again. */
  | { kind: 'code_rejected'; target: string; scope: StateScope };

/**
 * WeChat web authorization for one account (INTERFACE.md §6, WECHAT-PROTOCOL.md §6.8), without HTTP: the
 * routes hand it the query and the browser id from a cookie, and turn its answers into redirects, pages and
 * cookies.
 *
 * Each start mints a fresh `state` and stores it with the target, the scope, an expiry and the hash of the
 * browser id, so a state is single-use (taken atomically, whatever the outcome) and useless in another
 * browser: a link with a state cannot be forwarded to sign a victim in as the sender (login CSRF).
 */
export class OAuthFlow {
  readonly #options: OAuthFlowOptions;
  readonly #clock: () => number;
  readonly #ttlMs: number;
  readonly #log: Logger;
  readonly #redirectUri: string;

  constructor(options: OAuthFlowOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#ttlMs = options.stateTtlMs ?? DEFAULT_STATE_TTL_MS;
    this.#log = withBindings(options.logger ?? silentLogger, { module: 'oauth' });
    this.#redirectUri = `${options.publicUrl.replace(/\/+$/, '')}${options.callbackPath ?? '/oauth/callback'}`;
  }

  /** `$PUBLIC_URL/oauth/callback`, the redirect_uri WeChat sends the browser back to. */
  get redirectUri(): string {
    return this.#redirectUri;
  }

  /**
   * Checks `target` (a path on this server) and `scope` (default `snsapi_base`), stores a fresh state bound
   * to `browserId`, and returns WeChat's authorize URL. Throws OAuthRequestError for a bad target or scope.
   */
  async start(input: { target: unknown; scope: unknown; browserId: string }): Promise<string> {
    const { target, browserId } = input;
    if (typeof target !== 'string' || !isLocalTarget(target)) {
      throw new OAuthRequestError(
        'target',
        'target must be a path on this server, like /account (not //host, /\\host or a full URL)',
      );
    }
    const scope = input.scope === undefined || input.scope === '' ? DEFAULT_OAUTH_SCOPE : input.scope;
    if (!isOAuthScope(scope)) {
      throw new OAuthRequestError('scope', 'scope must be snsapi_base or snsapi_userinfo');
    }
    const state = mintState();
    await this.#options.oauth.saveState({
      state,
      browserHash: hashBrowserId(browserId),
      target,
      scope,
      expiresAt: this.#clock() + this.#ttlMs,
    });
    return buildOAuthAuthorizeUrl({
      openBase: this.#options.openBase,
      appid: this.#options.appid,
      redirectUri: this.#redirectUri,
      scope,
      state,
      componentAppid: this.#options.componentAppid,
    });
  }

  /**
   * Starts a website app's QR sign-in (INTERFACE.md §8): the same checks and state as {@link start}, bound
   * to the browser and single-use, with the app's AppID kept on the state; returns WeChat's qrconnect URL.
   */
  async startWebsite(input: { target: unknown; appid: string; browserId: string }): Promise<string> {
    const { target, appid, browserId } = input;
    if (typeof target !== 'string' || !isLocalTarget(target)) {
      throw new OAuthRequestError(
        'target',
        'target must be a path on this server, like /account (not //host, /\\host or a full URL)',
      );
    }
    if (this.#options.websiteApi?.(appid) === undefined) throw new Error(`no website app ${appid}`);
    const state = mintState();
    await this.#options.oauth.saveState({
      state,
      browserHash: hashBrowserId(browserId),
      target,
      scope: 'snsapi_login',
      expiresAt: this.#clock() + this.#ttlMs,
      appid,
    });
    return buildQrConnectUrl({
      openBase: this.#options.openBase,
      appid,
      redirectUri: this.#redirectUri,
      state,
    });
  }

  /**
   * Handles WeChat's redirect back. The state is taken (deleted) first, so it is spent whatever happens
   * next; then it must be unexpired and minted for `browserId`. With no code the user declined. Otherwise
   * the code is exchanged once (`snsapi_userinfo` also reads `/sns/userinfo` for the UnionID and profile) and
   * the identity recorded. Throws WechatHttpError when WeChat cannot be reached, and WechatApiError for
   * refusals other than a bad code.
   */
  async finish(input: {
    state: string | undefined;
    code: string | undefined;
    browserId: string | null;
  }): Promise<OAuthOutcome> {
    const { state, code, browserId } = input;
    if (!isWellFormedState(state)) return this.#invalid('malformed');
    const taken = await this.#options.oauth.takeState(state);
    if (taken === null) return this.#invalid('unknown');
    if (!(this.#clock() < taken.expiresAt)) return this.#invalid('expired');
    if (browserId === null || !safeEqual(hashBrowserId(browserId), taken.browserHash)) {
      return this.#invalid('other_browser');
    }
    const { target, scope } = taken;
    if (code === undefined || code === '') return { kind: 'refused', target, scope };
    if (code.length > MAX_CODE_LENGTH) return { kind: 'code_rejected', target, scope };
    if (scope === 'snsapi_login') return this.#finishWebsite(taken.appid ?? '', code, target);

    let token: OAuthToken;
    try {
      token = await this.#options.api.oauthExchangeCode(code);
    } catch (err) {
      if (err instanceof WechatApiError && CODE_REJECTED.has(err.errcode)) {
        this.#log.info({ errcode: err.errcode }, 'OAuth code refused by WeChat');
        return { kind: 'code_rejected', target, scope };
      }
      throw err;
    }

    let profile: OAuthUserInfo | null = null;
    const grantedScope = token.scope || scope;
    if (scope === 'snsapi_userinfo' && !token.isSnapshotUser && grantedScope.includes('snsapi_userinfo')) {
      profile = await this.#userInfo(token);
    }
    const identity: OAuthIdentity = {
      appid: this.#options.appid,
      openid: token.openid,
      // A snapshot user's openid is virtual: no unionid, so it can never be joined to a real person.
      unionid: token.isSnapshotUser ? null : (token.unionid ?? profile?.unionid ?? null),
      scope: grantedScope,
      isSnapshotUser: token.isSnapshotUser,
    };
    const saved = await this.#options.oauth.saveIdentity({
      ...identity,
      nickname: profile?.nickname ?? null,
      headimgurl: profile?.headimgurl ?? null,
    });
    for (const conflict of saved.conflicts) {
      this.#log.warn(
        conflict,
        'WeChat reported another UnionID at sign-in; kept the first and recorded both',
      );
    }
    // The UnionID known for this OpenID: the first one reported (a UnionID never changes for an OpenID), or
    // the follower's when snsapi_base brought none.
    identity.unionid = saved.unionid;
    return { kind: 'signed_in', identity, target };
  }

  /** The rest of a website app's QR sign-in (§9): its own code exchange, userinfo, and the identity kept. */
  async #finishWebsite(appid: string, code: string, target: string): Promise<OAuthOutcome> {
    const api = this.#options.websiteApi?.(appid);
    const record = this.#options.recordWebsite;
    // A state of an app no longer configured: as good as unknown.
    if (api === undefined || record === undefined) return this.#invalid('unknown');
    let token: OAuthToken;
    try {
      token = await api.oauthExchangeCode(code);
    } catch (err) {
      if (err instanceof WechatApiError && CODE_REJECTED.has(err.errcode)) {
        this.#log.info({ errcode: err.errcode, appid }, 'website sign-in code refused by WeChat');
        return { kind: 'code_rejected', target, scope: 'snsapi_login' };
      }
      throw err;
    }
    const profile = await this.#userInfo(token, api);
    const identity: OAuthIdentity = {
      appid,
      openid: token.openid,
      unionid: token.unionid ?? profile?.unionid ?? null,
      scope: 'snsapi_login',
      isSnapshotUser: false,
    };
    const saved = await record({ ...identity, nickname: profile?.nickname ?? null });
    identity.unionid = saved.unionid;
    return { kind: 'signed_in', identity, target };
  }

  /**
   * The profile of a `snsapi_userinfo` sign-in. The openid is already known, so a failure here costs only
   * the profile (and a UnionID the token did not carry): logged, and the visitor is signed in anyway.
   */
  async #userInfo(token: OAuthToken, api: OAuthApi = this.#options.api): Promise<OAuthUserInfo | null> {
    try {
      return await api.oauthUserInfo(token.accessToken, token.openid);
    } catch (err) {
      if (!(err instanceof WechatApiError) && !(err instanceof WechatHttpError)) throw err;
      this.#log.warn({ err }, 'sns/userinfo failed; signed in without the profile');
      return null;
    }
  }

  #invalid(reason: 'malformed' | 'unknown' | 'expired' | 'other_browser'): OAuthOutcome {
    // Worth a log line: repeated other_browser or unknown states are what a login-CSRF attempt looks like.
    this.#log.info({ reason }, 'OAuth callback with an unusable state');
    return { kind: 'invalid_state', reason };
  }
}

/** WeChat's answers to a bad code: invalid, already used, expired (§6.8, §7). */
const CODE_REJECTED: ReadonlySet<number> = new Set([40029, 40163, 42003]);
