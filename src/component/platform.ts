import { silentLogger, type Logger } from '../logger.js';
import { WechatApi, type WechatApiOptions } from '../wechat-api/client.js';
import { WechatApiError } from '../wechat-api/errors.js';
import type { StoredToken, TokenStore } from '../wechat-api/token-store.js';
import { MessageCrypto } from '../wire/crypto.js';
import { WireError } from '../wire/errors.js';
import { parseEnvelope } from '../wire/inbound.js';
import { checkTimestamp, verifyMsgSignature, type PushQuery } from '../wire/verify-push.js';
import { readXmlRoot } from '../wire/xml-read.js';
import { ComponentApi, type ComponentApiOptions } from './component-api.js';
import type { ComponentConfig } from './component-config.js';
import { AuthorizerUnavailableError, type Authorizer, type ComponentRepo } from './component-repo.js';
import { checkPermission } from './permissions.js';

/** WeChat's stale-refresh-token code (WECHAT-PROTOCOL.md §8): recovered with api_get_authorizer_list. */
export const REFRESH_TOKEN_INVALID = 61023;

/** What the platform keeps its state in: a slice of the Store. */
export interface ComponentStores {
  tokens: TokenStore;
  component: ComponentRepo;
}

/** Options of {@link ComponentPlatform}. */
export interface ComponentPlatformOptions {
  component: ComponentConfig;
  apiBase: string;
  stores: ComponentStores;
  clock?: () => number;
  logger?: Logger;
  fetch?: typeof fetch;
  /** Further WechatApi options for each authorizer's client (metrics, failure recording). */
  apiOptions?: (appid: string) => Partial<WechatApiOptions>;
  /** Transport settings of the component client (tests shorten the back-off). */
  componentApiOptions?: Partial<Pick<ComponentApiOptions, 'retries' | 'backoffMs' | 'timeoutMs'>>;
  /** Told of each account that becomes served (a new authorization, or one another instance stored). */
  onAuthorizer?: (appid: string) => void;
}

/** An `InfoType` push of the authorization event URL, decrypted (§8). */
export interface ComponentInfo {
  InfoType: string;
  AppId?: string;
  CreateTime?: string;
  ComponentVerifyTicket?: string;
  AuthorizerAppid?: string;
  AuthorizationCode?: string;
}

/** What WeChat answers for an authorization code that is no good: invalid, expired, used (§7, §8). */
const BAD_CODE_ERRCODES: ReadonlySet<number> = new Set([61009, 61010, 40029, 40163, 42003]);

/** An authorization code that was forged, expired or already used. */
export class AuthorizationCodeError extends Error {
  override readonly name = 'AuthorizationCodeError';
}

interface Served {
  authorizer: Authorizer;
  api: WechatApi;
}

/**
 * The third-party platform (INTERFACE.md §9): the authorization event URL's pushes, the accounts that
 * authorized wxoa with a WechatApi each whose token comes from the account's refresh token, and recovery of
 * lost refresh tokens. Everything is kept in the database; the in-memory table of accounts is a cache that
 * `ensure()` fills from it (another instance may have stored an authorization).
 */
export class ComponentPlatform {
  readonly api: ComponentApi;
  readonly config: ComponentConfig;
  /** The platform's key: the trailing AppID of every decrypted plaintext is the component's (§2.2, §8). */
  readonly crypto: MessageCrypto;
  readonly #repo: ComponentRepo;
  readonly #tokens: TokenStore;
  readonly #clock: () => number;
  readonly #logger: Logger;
  readonly #opts: ComponentPlatformOptions;
  readonly #served = new Map<string, Served>();

  constructor(opts: ComponentPlatformOptions) {
    this.#opts = opts;
    this.config = opts.component;
    this.#repo = opts.stores.component;
    this.#tokens = opts.stores.tokens;
    this.#clock = opts.clock ?? Date.now;
    this.#logger = (opts.logger ?? silentLogger).child({ module: 'component' });
    this.crypto = new MessageCrypto(opts.component.encodingAesKey, opts.component.appid);
    this.api = new ComponentApi({
      component: opts.component,
      apiBase: opts.apiBase,
      tokens: opts.stores.tokens,
      repo: opts.stores.component,
      clock: this.#clock,
      logger: this.#logger,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...opts.componentApiOptions,
    });
  }

  get appid(): string {
    return this.config.appid;
  }

  /** Loads every stored authorizer (at start). */
  async load(): Promise<void> {
    for (const a of await this.#repo.authorizers(this.appid)) this.#serve(a);
  }

  /** The AppIDs of every known authorizer, authorized or not (their data stays readable). */
  appids(): string[] {
    return [...this.#served.keys()];
  }

  /** The client of a known authorizer (see `ensure` for one another instance stored). */
  apiFor(appid: string): WechatApi | undefined {
    return this.#served.get(appid)?.api;
  }

  /** The cached authorizer, if any. */
  cached(appid: string): Authorizer | undefined {
    return this.#served.get(appid)?.authorizer;
  }

  /** The authorizer as the database has it now (the cache updated), or null when it never authorized. */
  async ensure(appid: string): Promise<Authorizer | null> {
    const a = await this.#repo.authorizer(this.appid, appid);
    if (a !== null) this.#serve(a);
    return a;
  }

  /** The latest stored ticket. */
  ticket() {
    return this.#repo.ticket(this.appid);
  }

  async authorizers(): Promise<Authorizer[]> {
    const list = await this.#repo.authorizers(this.appid);
    for (const a of list) this.#serve(a);
    return list;
  }

  /**
   * A push to the authorization event URL (§9): only safe mode, `msg_signature` with the component's
   * token, the plaintext's trailing AppID the component's. Throws WireError (401/400) for a bad push,
   * before anything is stored.
   */
  /**
   * What an event push's query alone shows (its only signature, `msg_signature`, covers the body): safe
   * mode, a signature, a fresh timestamp, a nonce. Checked before the body is read, and again below.
   */
  checkEventQuery(query: PushQuery, toleranceSeconds: number): void {
    if (query.encrypt_type !== 'aes' || query.msg_signature === undefined) {
      throw new WireError('signature', 'the authorization event URL takes only encrypted (safe mode) pushes');
    }
    checkTimestamp(query.timestamp, Math.floor(this.#clock() / 1000), toleranceSeconds);
    if (query.nonce === undefined) throw new WireError('signature', 'the nonce parameter is missing');
  }

  async receiveEvent(query: PushQuery, body: string, toleranceSeconds: number): Promise<ComponentInfo> {
    this.checkEventQuery(query, toleranceSeconds);
    const envelope = parseEnvelope(body);
    verifyMsgSignature({ token: this.config.token, query, encrypt: envelope.Encrypt });
    const plain = this.crypto.decrypt(envelope.Encrypt);
    const fields = readXmlRoot(plain);
    const info: Record<string, string> = {};
    for (const [k, v] of Object.entries(fields)) if (typeof v === 'string') info[k] = v;
    if (!info['InfoType']) throw new WireError('xml', 'the decrypted push has no InfoType');
    if (info['AppId'] !== undefined && info['AppId'] !== this.appid) {
      throw new WireError('appid', `the push names AppId ${info['AppId']}, not this platform`);
    }
    return info as unknown as ComponentInfo;
  }

  /** Acts on a verified `InfoType` push: ticket, authorized / updateauthorized, unauthorized. */
  async handleInfo(info: ComponentInfo): Promise<void> {
    switch (info.InfoType) {
      case 'component_verify_ticket': {
        const ticket = info.ComponentVerifyTicket;
        if (!ticket) throw new WireError('xml', 'component_verify_ticket push without ComponentVerifyTicket');
        await this.#repo.saveTicket(this.appid, ticket, Number(info.CreateTime ?? 0) || 0);
        this.#logger.debug('component_verify_ticket stored');
        return;
      }
      case 'authorized':
      case 'updateauthorized': {
        const code = info.AuthorizationCode;
        if (!code) throw new WireError('xml', `${info.InfoType} push without AuthorizationCode`);
        try {
          await this.authorize(code, info.AuthorizerAppid);
        } catch (err) {
          // A code the callback already exchanged (or a retried push): nothing to do, and not an error.
          if (err instanceof AuthorizationCodeError) {
            this.#logger.info({ appid: info.AuthorizerAppid }, `${info.InfoType}: code already exchanged`);
            return;
          }
          throw err;
        }
        return;
      }
      case 'unauthorized': {
        const appid = info.AuthorizerAppid;
        if (!appid) throw new WireError('xml', 'unauthorized push without AuthorizerAppid');
        if (await this.#repo.markUnauthorized(this.appid, appid, this.#clock())) {
          this.#logger.info({ appid }, 'an account withdrew its authorization; its data is kept');
          await this.ensure(appid);
        }
        return;
      }
      default:
        this.#logger.info({ infoType: info.InfoType }, 'component push of a type wxoa does not act on');
    }
  }

  /**
   * Exchanges an authorization code (`api_query_auth`) once: a code seen before (a retried push, the
   * callback after the push) is refused with AuthorizationCodeError without calling WeChat again. Stores
   * the account, its first tokens and, from `api_get_authorizer_info`, its name and `gh_` id.
   */
  async authorize(code: string, expectedAppid?: string): Promise<Authorizer> {
    if (!(await this.#repo.claimAuthCode(this.appid, code))) {
      throw new AuthorizationCodeError('this authorization code was already used');
    }
    let auth;
    try {
      auth = await this.api.queryAuth(code);
    } catch (err) {
      if (err instanceof WechatApiError && BAD_CODE_ERRCODES.has(err.errcode)) {
        // WeChat refused the code (forged, expired or used): it stays claimed, it can never work.
        throw new AuthorizationCodeError(
          `WeChat refused the authorization code: ${err.errcode} ${err.errmsg}`,
        );
      }
      // WeChat unreachable, or the platform's own token or ticket at fault: give the code back, so that
      // WeChat's retry of the push (or the administrator's reload) can still exchange it.
      await this.#repo.releaseAuthCode(code);
      throw err;
    }
    if (expectedAppid !== undefined && expectedAppid !== auth.appid) {
      this.#logger.warn(
        { pushed: expectedAppid, exchanged: auth.appid },
        'authorization code of another account',
      );
    }
    const now = this.#clock();
    await this.#repo.saveAuthorization({
      componentAppid: this.appid,
      appid: auth.appid,
      refreshToken: auth.refreshToken,
      funcInfo: auth.funcInfo,
      accessToken: { token: auth.accessToken, expiresAt: now + auth.expiresIn * 1000 },
      at: now,
    });
    // A process-local token of the previous authorization must not be used again either.
    this.#served.delete(auth.appid);
    try {
      const info = await this.api.authorizerInfo(auth.appid);
      await this.#repo.setAuthorizerInfo(this.appid, auth.appid, {
        ...info,
        // The exchange's func_info is authoritative for this authorization.
        funcInfo: auth.funcInfo,
      });
    } catch (err) {
      this.#logger.warn(
        { err, appid: auth.appid },
        'could not fetch the authorizer name (api_get_authorizer_info)',
      );
    }
    this.#logger.info({ appid: auth.appid, funcInfo: auth.funcInfo }, 'an account authorized the platform');
    const stored = await this.ensure(auth.appid);
    return stored as Authorizer;
  }

  /** `wxoa component recover`: refresh tokens back from `api_get_authorizer_list`; returns how many. */
  async recover(): Promise<number> {
    const list = await this.api.authorizerList();
    const n = await this.#repo.restoreRefreshTokens(this.appid, list, this.#clock());
    // Permission sets and names are not in the list: ask for each account's.
    for (const { appid } of list) {
      try {
        await this.#repo.setAuthorizerInfo(this.appid, appid, await this.api.authorizerInfo(appid));
      } catch (err) {
        this.#logger.warn({ err, appid }, 'could not fetch the authorizer info during recovery');
      }
    }
    await this.authorizers();
    this.#logger.info({ accounts: list.length }, 'refresh tokens recovered from api_get_authorizer_list');
    return n;
  }

  /** The token of an authorizer: from its refresh token; a 61023 recovers the token list once and retries. */
  async #authorizerToken(
    appid: string,
    failedToken: string | null,
    minValidMs: number,
  ): Promise<StoredToken> {
    const refresh = () =>
      this.#repo.refreshAuthorizerToken(this.appid, appid, failedToken, minValidMs, async (refreshToken) => {
        const t = await this.api.authorizerToken(appid, refreshToken);
        return {
          token: t.accessToken,
          expiresAt: this.#clock() + t.expiresIn * 1000,
          refreshToken: t.refreshToken,
        };
      });
    try {
      return await refresh();
    } catch (err) {
      if (!(err instanceof WechatApiError && err.errcode === REFRESH_TOKEN_INVALID)) throw err;
      this.#logger.warn(
        { appid },
        '61023: the stored refresh token is stale; recovering from api_get_authorizer_list',
      );
      await this.recover();
      return refresh();
    }
  }

  #serve(a: Authorizer): void {
    const known = this.#served.get(a.appid);
    if (known) {
      known.authorizer = a;
      return;
    }
    const served: Served = { authorizer: a, api: undefined as unknown as WechatApi };
    // The token store the authorizer's client sees: reads are the shared table, refreshes go through the
    // refresh token (never an AppSecret, which the platform does not have).
    const tokens: TokenStore = {
      get: (id) => this.#tokens.get(id),
      refresh: (_id, failedToken, minValidMs) => this.#authorizerToken(a.appid, failedToken, minValidMs),
    };
    served.api = new WechatApi({
      appid: a.appid,
      // Never used to fetch a token (the store above does); only redacted from errors and logs.
      appsecret: this.config.appsecret,
      apiBase: this.#opts.apiBase,
      tokenStore: tokens,
      clock: this.#clock,
      logger: this.#logger,
      ...(this.#opts.fetch ? { fetch: this.#opts.fetch } : {}),
      ...this.#opts.apiOptions?.(a.appid),
      beforeCall: (endpoint) => {
        const current = served.authorizer;
        if (!current.authorized) throw new AuthorizerUnavailableError(current.appid, 'unauthorized');
        checkPermission(current.appid, current.funcInfo, endpoint);
      },
    });
    this.#served.set(a.appid, served);
    this.#opts.onAuthorizer?.(a.appid);
  }
}
