import type { StoredToken } from '../wechat-api/token-store.js';

/** The latest component_verify_ticket (WECHAT-PROTOCOL.md §8: valid 12 h, pushed every 10 minutes). */
export interface StoredTicket {
  ticket: string;
  /** The push's CreateTime, Unix seconds. */
  createTime: number;
  /** When it was stored, Unix ms. */
  receivedAt: number;
}

/** An Official Account that authorized the platform (INTERFACE.md §9 `GET /api/authorizers`). */
export interface Authorizer {
  componentAppid: string;
  appid: string;
  /** nick_name, once api_get_authorizer_info answered. */
  name: string | null;
  /** The original id (`gh_…`). */
  userName: string | null;
  authorized: boolean;
  /** The permission set ids of func_info. */
  funcInfo: number[];
  /** Unix ms of the latest authorization. */
  authorizedAt: number;
  unauthorizedAt: number | null;
  /** Whether a refresh token is kept (false after a loss, until `wxoa component recover`). */
  hasRefreshToken: boolean;
}

/** What an authorization (`api_query_auth`) gave. */
export interface AuthorizationInput {
  componentAppid: string;
  appid: string;
  refreshToken: string;
  funcInfo: number[];
  accessToken: StoredToken;
  /** Unix ms. */
  at: number;
}

/** What a refresh with the stored refresh token returns: the access token and the rotated refresh token. */
export interface RefreshedAuthorizerToken extends StoredToken {
  refreshToken: string;
}

/** Where the platform's state lives (the SQL implementation is store/sql-component-repo.ts). */
export interface ComponentRepo {
  /** Keeps `ticket` unless a later one (by CreateTime) is already stored. */
  saveTicket(componentAppid: string, ticket: string, createTime: number): Promise<void>;
  ticket(componentAppid: string): Promise<StoredTicket | null>;
  /**
   * Claims an authorization code for exchange: false when it was claimed before (a retried push, a reused
   * callback). Only a hash of the code is kept.
   */
  claimAuthCode(componentAppid: string, code: string): Promise<boolean>;
  /** Gives a claimed code back after an exchange that did not happen (WeChat down), so a retry may try again. */
  releaseAuthCode(code: string): Promise<void>;
  /** Stores (or re-stores) an authorization and its first access token in one transaction. */
  saveAuthorization(input: AuthorizationInput): Promise<void>;
  /** The name, `gh_` id and permission sets from `api_get_authorizer_info`. */
  setAuthorizerInfo(
    componentAppid: string,
    appid: string,
    info: { name: string; userName: string; funcInfo: number[] },
  ): Promise<void>;
  /** Marks the account unauthorized (its data and refresh token kept); false if it was unknown. */
  markUnauthorized(componentAppid: string, appid: string, at: number): Promise<boolean>;
  authorizer(componentAppid: string, appid: string): Promise<Authorizer | null>;
  authorizers(componentAppid: string): Promise<Authorizer[]>;
  /**
   * Puts refresh tokens back from `api_get_authorizer_list` (recovery after a loss or a 61023); returns how
   * many rows changed. Accounts not yet known are added as authorized with no permission sets known.
   */
  restoreRefreshTokens(
    componentAppid: string,
    list: ReadonlyArray<{ appid: string; refreshToken: string; authTime: number }>,
    at: number,
  ): Promise<number>;
  /**
   * An authorizer's access token, refreshed under the token store's lock: a usable stored one (not
   * `failedToken`, valid `minValidMs` more) is returned as is; otherwise `fetch` is called with the stored
   * refresh token, and the new access token and the rotated refresh token are written in one transaction.
   */
  refreshAuthorizerToken(
    componentAppid: string,
    appid: string,
    failedToken: string | null,
    minValidMs: number,
    fetch: (refreshToken: string) => Promise<RefreshedAuthorizerToken>,
  ): Promise<StoredToken>;
}

/** An authorizer the platform may not (or no longer) refresh: unknown, unauthorized or without refresh token. */
export class AuthorizerUnavailableError extends Error {
  override readonly name = 'AuthorizerUnavailableError';
  constructor(
    readonly appid: string,
    readonly reason: 'unknown' | 'unauthorized' | 'no_refresh_token',
  ) {
    super(
      reason === 'unknown'
        ? `${appid} has not authorized this third-party platform`
        : reason === 'unauthorized'
          ? `${appid} withdrew its authorization of this third-party platform; its tokens are no longer refreshed`
          : `no refresh token is kept for ${appid}; run \`wxoa component recover\``,
    );
  }
}
