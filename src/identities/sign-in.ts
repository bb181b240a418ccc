import { silentLogger, withBindings, type Logger } from '../logger.js';
import { WechatApiError, WechatHttpError } from '../wechat-api/errors.js';
import type { OAuthToken, OAuthUserInfo } from '../wechat-api/types.js';
import type { IdentityRepo } from './identity-repo.js';
import type { OpenApp } from './identity.js';

/** What a sign-in needs of one app's WeChat API client (WECHAT-PROTOCOL.md §9). */
export interface SignInApi {
  /** `/sns/jscode2session`; the session_key is not returned (see README: it is kept nowhere). */
  miniProgramSession(code: string): Promise<{ openid: string; unionid?: string }>;
  oauthExchangeCode(code: string): Promise<OAuthToken>;
  oauthUserInfo(accessToken: string, openid: string): Promise<OAuthUserInfo>;
}

/** Why a sign-in failed, as INTERFACE.md §8 answers it. */
export type SignInFailure = 'invalid_code' | 'rate_limited' | 'blocked' | 'wechat_unavailable';

/** A sign-in WeChat refused or could not answer; nothing was recorded. */
export class SignInError extends Error {
  override readonly name = 'SignInError';
  constructor(
    readonly failure: SignInFailure,
    message: string,
    readonly errcode: number | null = null,
  ) {
    super(message);
  }
}

/** Who signed in. */
export interface AppSignedIn {
  app: OpenApp;
  openid: string;
  /** The UnionID known for the OpenID (the first ever reported), null when none. */
  unionid: string | null;
}

/** Options of {@link AppSignIn}. */
export interface AppSignInOptions {
  identities: IdentityRepo;
  apiFor(appid: string): SignInApi | undefined;
  logger?: Logger;
}

/** Longest code passed on to WeChat: real ones are 32 characters; anything huge is junk. */
export const MAX_CODE_LENGTH = 512;

/**
 * Mini Program and mobile app sign-in (INTERFACE.md §8): the code is exchanged once with the app's
 * credentials, the identity recorded, and who signed in returned. WeChat's refusals become
 * {@link SignInError}s; nothing is recorded for them.
 */
export class AppSignIn {
  readonly #options: AppSignInOptions;
  readonly #log: Logger;

  constructor(options: AppSignInOptions) {
    this.#options = options;
    this.#log = withBindings(options.logger ?? silentLogger, { module: 'sign-in' });
  }

  /** `wx.login()`'s code → `jscode2session` (§9). */
  async miniProgram(app: OpenApp, code: string): Promise<AppSignedIn> {
    const api = this.#api(app);
    const session = await this.#wechat(app, () => api.miniProgramSession(code));
    return this.#record(app, session.openid, session.unionid ?? null, null);
  }

  /** The mobile SDK's code → `/sns/oauth2/access_token`, then `/sns/userinfo` for the UnionID and nickname. */
  async mobile(app: OpenApp, code: string): Promise<AppSignedIn> {
    const api = this.#api(app);
    const token = await this.#wechat(app, () => api.oauthExchangeCode(code));
    let profile: OAuthUserInfo | null = null;
    try {
      profile = await api.oauthUserInfo(token.accessToken, token.openid);
    } catch (err) {
      if (!(err instanceof WechatApiError) && !(err instanceof WechatHttpError)) throw err;
      // The OpenID is known: the profile (and a UnionID the token did not carry) is all that is lost.
      this.#log.warn({ err, appid: app.appid }, 'sns/userinfo failed; signed in without the profile');
    }
    return this.#record(
      app,
      token.openid,
      token.unionid ?? profile?.unionid ?? null,
      profile?.nickname ?? null,
    );
  }

  async #record(
    app: OpenApp,
    openid: string,
    unionid: string | null,
    nickname: string | null,
  ): Promise<AppSignedIn> {
    const recorded = await this.#options.identities.record({
      appid: app.appid,
      appType: app.type,
      openid,
      unionid,
      source: app.type,
      nickname,
    });
    if (recorded.conflictingUnionid !== null) {
      this.#log.warn(
        {
          appid: app.appid,
          openid,
          keptUnionid: recorded.unionid,
          reportedUnionid: recorded.conflictingUnionid,
        },
        'WeChat reported another UnionID at sign-in; kept the first',
      );
    }
    return { app, openid, unionid: recorded.unionid };
  }

  #api(app: OpenApp): SignInApi {
    const api = this.#options.apiFor(app.appid);
    if (!api) throw new Error(`no API client for app ${app.appid}`);
    return api;
  }

  /** Runs a code exchange, turning WeChat's answers into {@link SignInError}s. */
  async #wechat<T>(app: OpenApp, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof WechatApiError) {
        const failure = FAILURES.get(err.errcode);
        if (failure) {
          this.#log.info({ appid: app.appid, errcode: err.errcode }, 'sign-in code refused by WeChat');
          throw new SignInError(failure.kind, failure.message, err.errcode);
        }
        this.#log.error({ err, appid: app.appid }, 'sign-in failed at WeChat');
        throw new SignInError(
          'wechat_unavailable',
          `WeChat refused the exchange (${err.errcode})`,
          err.errcode,
        );
      }
      if (err instanceof WechatHttpError) {
        this.#log.error({ err, appid: app.appid }, 'WeChat could not be reached for a sign-in');
        throw new SignInError('wechat_unavailable', 'WeChat could not be reached; try again in a moment');
      }
      throw err;
    }
  }
}

/** WeChat's answers a client can act on (§7, §9). */
const FAILURES = new Map<number, { kind: SignInFailure; message: string }>([
  [
    40029,
    {
      kind: 'invalid_code',
      message: 'the code is not valid (wrong, expired or of another app): sign in again',
    },
  ],
  [40163, { kind: 'invalid_code', message: 'the code was already used: sign in again for a new one' }],
  [42003, { kind: 'invalid_code', message: 'the code has expired: sign in again' }],
  [45011, { kind: 'rate_limited', message: 'too many sign-ins of this user in a minute: wait a minute' }],
  [40226, { kind: 'blocked', message: "WeChat's risk control blocks this user" }],
]);
