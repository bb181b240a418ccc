import { withBindings, type Logger } from '../logger.js';
import { WechatHttpError } from './errors.js';
import type { StoredToken, TokenStore } from './token-store.js';
import type { ApiTransport } from './transport.js';

/** Which endpoint issues access tokens (WECHAT-PROTOCOL.md §6.1). */
export type TokenEndpoint = 'stable_token' | 'token';

/** What the provider needs; the client builds it from its own options. */
export interface AccessTokenProviderOptions {
  appid: string;
  appsecret: string;
  endpoint: TokenEndpoint;
  store: TokenStore;
  transport: ApiTransport;
  refreshMarginMs: number;
  clock: () => number;
  logger: Logger;
}

interface CachedToken {
  token: string;
  expiresAt: number;
  /** When this process stops using the token and asks the store for a newer one. */
  refreshAt: number;
}

/**
 * The access_token of one AppID: cached in-process until `refreshMarginMs` before it expires (§6.1
 * recommends refreshing when ~5 minutes remain), refreshed through the shared TokenStore so every instance
 * uses one token, and single-flight: however many calls need a token at once, one refresh runs.
 */
export class AccessTokenProvider {
  readonly #opts: AccessTokenProviderOptions;
  #current: CachedToken | null = null;
  /** In-flight refreshes, keyed by the token they replace ('' for "none or expiring"). */
  readonly #inflight = new Map<string, Promise<CachedToken>>();

  constructor(opts: AccessTokenProviderOptions) {
    // The appid is a binding (once), not a field of each call: WechatApi's logger already carries it.
    this.#opts = { ...opts, logger: withBindings(opts.logger, { appid: opts.appid }) };
  }

  /** A token valid for at least the refresh margin, fetched only when the cached one is not. */
  async get(): Promise<string> {
    const current = this.#current;
    if (current !== null && this.#opts.clock() < current.refreshAt) return current.token;
    return (await this.#refresh(null)).token;
  }

  /**
   * A token other than `failedToken`, which WeChat rejected (40001/40014/42001). The cache is dropped only
   * if it still holds `failedToken`: a concurrent caller may already have replaced it.
   */
  async renew(failedToken: string): Promise<string> {
    if (this.#current?.token === failedToken) this.#current = null;
    return (await this.#refresh(failedToken)).token;
  }

  #refresh(failedToken: string | null): Promise<CachedToken> {
    const key = failedToken ?? '';
    const pending = this.#inflight.get(key);
    if (pending !== undefined) return pending;
    const started = this.#load(failedToken).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, started);
    return started;
  }

  async #load(failedToken: string | null): Promise<CachedToken> {
    const { appid, store, refreshMarginMs, clock } = this.#opts;
    if (failedToken === null) {
      // Another instance may hold a good token already; reading is cheaper than the store's locked refresh.
      const stored = await store.get(appid);
      if (stored !== null && stored.expiresAt - clock() > refreshMarginMs) return this.#cache(stored);
    }
    const fresh = await store.refresh(appid, failedToken, refreshMarginMs, () => this.#fetch(failedToken));
    return this.#cache(fresh);
  }

  #cache(stored: StoredToken): CachedToken {
    const remaining = stored.expiresAt - this.#opts.clock();
    // Never plan a refresh sooner than half the remaining life: a short-lived token (stable_token may
    // answer expires_in down to 300 s) must not make every call refresh.
    const refreshAt = stored.expiresAt - Math.min(this.#opts.refreshMarginMs, remaining / 2);
    const cached = { token: stored.token, expiresAt: stored.expiresAt, refreshAt };
    this.#current = cached;
    return cached;
  }

  /** Asks WeChat for a token; called by the store, once per refresh. */
  async #fetch(failedToken: string | null): Promise<StoredToken> {
    const first = await this.#request(false);
    // stable_token in normal mode hands out the current token while WeChat thinks it valid (§6.1); if that
    // is the token WeChat just rejected, only force_refresh (20/day) gets a new one.
    if (this.#opts.endpoint === 'stable_token' && failedToken !== null && first.token === failedToken) {
      this.#opts.logger.warn('stable_token returned the rejected access_token; forcing a refresh');
      return this.#request(true);
    }
    return first;
  }

  async #request(forceRefresh: boolean): Promise<StoredToken> {
    const { appid, appsecret, endpoint, transport, clock, logger } = this.#opts;
    const path = `/cgi-bin/${endpoint}`;
    const json =
      endpoint === 'stable_token'
        ? await transport.request({
            method: 'POST',
            path,
            body: { grant_type: 'client_credential', appid, secret: appsecret, force_refresh: forceRefresh },
            secrets: [appsecret],
          })
        : await transport.request({
            method: 'GET',
            path,
            query: { grant_type: 'client_credential', appid, secret: appsecret },
            secrets: [appsecret],
          });
    const token = json['access_token'];
    const expiresIn = json['expires_in'];
    if (typeof token !== 'string' || token === '' || typeof expiresIn !== 'number' || expiresIn <= 0) {
      throw new WechatHttpError({
        endpoint: path,
        kind: 'status',
        status: 200,
        detail: 'answered without a token',
      });
    }
    logger.info({ endpoint: path, expiresIn }, 'WeChat access_token refreshed');
    return { token, expiresAt: clock() + expiresIn * 1000 };
  }
}
