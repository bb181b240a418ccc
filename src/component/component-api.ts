import { silentLogger, withBindings, type Logger } from '../logger.js';
import { ACCESS_TOKEN_ERROR_CODES } from '../wechat-api/error-hints.js';
import { WechatApiError } from '../wechat-api/errors.js';
import { missingField, numberOr, requireString } from '../wechat-api/response-fields.js';
import type { ApiOutcomeListener } from '../wechat-api/api-failure.js';
import type { StoredToken, TokenStore } from '../wechat-api/token-store.js';
import { isTokenUsable } from '../wechat-api/token-usable.js';
import { ApiTransport, type ApiRequest, type WechatResponse } from '../wechat-api/transport.js';
import type { ComponentConfig } from './component-config.js';
import type { ComponentRepo } from './component-repo.js';

/** No component_verify_ticket has arrived yet, so no component_access_token can be had (§8). */
export class ComponentTicketMissingError extends Error {
  override readonly name = 'ComponentTicketMissingError';
  constructor(componentAppid: string) {
    super(
      `no component_verify_ticket has been received for ${componentAppid} yet: WeChat pushes one every 10 minutes ` +
        'to $PUBLIC_URL/wechat/component/events once the platform is approved (the latest is kept in the database)',
    );
  }
}

/** What `api_query_auth` (and `api_authorizer_token`) give for an account. */
export interface AuthorizationInfo {
  appid: string;
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  funcInfo: number[];
}

/** `api_get_authorizer_info`. */
export interface AuthorizerInfo {
  name: string;
  userName: string;
  funcInfo: number[];
}

/** Options of {@link ComponentApi}. */
export interface ComponentApiOptions {
  component: ComponentConfig;
  apiBase: string;
  /** Where the component_access_token is shared (the access_tokens table, keyed by component_appid). */
  tokens: TokenStore;
  repo: ComponentRepo;
  fetch?: typeof fetch;
  clock?: () => number;
  logger?: Logger;
  retries?: number;
  backoffMs?: number;
  timeoutMs?: number;
  refreshMarginMs?: number;
  onOutcome?: ApiOutcomeListener;
}

/**
 * The component endpoints of WECHAT-PROTOCOL.md §8, called with the component_access_token. That token comes
 * from the stored ticket and is shared through the token store: one refresh at a time across instances, and
 * renewed once (compare-and-invalidate) when WeChat rejects it with 40001/40014/42001.
 */
export class ComponentApi {
  readonly appid: string;
  readonly #component: ComponentConfig;
  readonly #transport: ApiTransport;
  readonly #tokens: TokenStore;
  readonly #repo: ComponentRepo;
  readonly #clock: () => number;
  readonly #margin: number;
  readonly #logger: Logger;

  constructor(opts: ComponentApiOptions) {
    this.appid = opts.component.appid;
    this.#component = opts.component;
    this.#logger = withBindings(opts.logger ?? silentLogger, { module: 'component-api' });
    this.#transport = new ApiTransport({
      apiBase: opts.apiBase,
      fetch: opts.fetch,
      timeoutMs: opts.timeoutMs,
      retries: opts.retries,
      backoffMs: opts.backoffMs,
      logger: this.#logger,
      onOutcome: opts.onOutcome,
    });
    this.#tokens = opts.tokens;
    this.#repo = opts.repo;
    this.#clock = opts.clock ?? Date.now;
    this.#margin = opts.refreshMarginMs ?? 5 * 60_000;
  }

  /** The component_access_token: the stored one while valid, else one refresh from the stored ticket. */
  async token(failedToken: string | null = null): Promise<string> {
    if (failedToken === null) {
      const stored = await this.#tokens.get(this.appid);
      if (stored !== null && isTokenUsable(stored, null, this.#margin, this.#clock())) return stored.token;
    }
    const fresh = await this.#tokens.refresh(this.appid, failedToken, this.#margin, () => this.#fetchToken());
    return fresh.token;
  }

  /** When the stored component_access_token expires (Unix ms), or null. */
  async tokenExpiresAt(): Promise<number | null> {
    return (await this.#tokens.get(this.appid))?.expiresAt ?? null;
  }

  async #fetchToken(): Promise<StoredToken> {
    const ticket = await this.#repo.ticket(this.appid);
    if (ticket === null) throw new ComponentTicketMissingError(this.appid);
    const path = '/cgi-bin/component/api_component_token';
    const json = await this.#transport.request({
      method: 'POST',
      path,
      body: {
        component_appid: this.appid,
        component_appsecret: this.#component.appsecret,
        component_verify_ticket: ticket.ticket,
      },
      secrets: [this.#component.appsecret, ticket.ticket],
    });
    const token = requireString(json, 'component_access_token', path);
    const expiresIn = numberOr(json['expires_in'], 7200);
    this.#logger.info({ expiresIn }, 'component_access_token refreshed');
    return { token, expiresAt: this.#clock() + expiresIn * 1000 };
  }

  /** `api_create_preauthcode`: a single-use code for one visit of the authorization page. */
  async preAuthCode(): Promise<{ code: string; expiresIn: number }> {
    const path = '/cgi-bin/component/api_create_preauthcode';
    const json = await this.#call({ method: 'POST', path, body: { component_appid: this.appid } });
    return { code: requireString(json, 'pre_auth_code', path), expiresIn: numberOr(json['expires_in'], 600) };
  }

  /** `api_query_auth`: exchanges an authorization code (single use: never retried after a timeout). */
  async queryAuth(authorizationCode: string): Promise<AuthorizationInfo> {
    const path = '/cgi-bin/component/api_query_auth';
    const json = await this.#call(
      {
        method: 'POST',
        path,
        body: { component_appid: this.appid, authorization_code: authorizationCode },
        idempotent: false,
      },
      [authorizationCode],
    );
    const info = json['authorization_info'];
    if (typeof info !== 'object' || info === null) throw missingField(path, 'authorization_info');
    const i = info as WechatResponse;
    return {
      appid: requireString(i, 'authorizer_appid', path),
      accessToken: requireString(i, 'authorizer_access_token', path),
      expiresIn: numberOr(i['expires_in'], 7200),
      refreshToken: requireString(i, 'authorizer_refresh_token', path),
      funcInfo: funcInfoIds(i['func_info']),
    };
  }

  /** `api_authorizer_token`: a new access token and the rotated refresh token. */
  async authorizerToken(
    appid: string,
    refreshToken: string,
  ): Promise<{ accessToken: string; expiresIn: number; refreshToken: string }> {
    const path = '/cgi-bin/component/api_authorizer_token';
    const json = await this.#call(
      {
        method: 'POST',
        path,
        body: {
          component_appid: this.appid,
          authorizer_appid: appid,
          authorizer_refresh_token: refreshToken,
        },
      },
      [refreshToken],
    );
    const rotated = json['authorizer_refresh_token'];
    return {
      accessToken: requireString(json, 'authorizer_access_token', path),
      expiresIn: numberOr(json['expires_in'], 7200),
      // WeChat may answer without one: the old one then stays valid.
      refreshToken: typeof rotated === 'string' && rotated !== '' ? rotated : refreshToken,
    };
  }

  /** `api_get_authorizer_info`: the account's name, `gh_` id and granted permission sets. */
  async authorizerInfo(appid: string): Promise<AuthorizerInfo> {
    const path = '/cgi-bin/component/api_get_authorizer_info';
    const json = await this.#call({
      method: 'POST',
      path,
      body: { component_appid: this.appid, authorizer_appid: appid },
    });
    const info = (json['authorizer_info'] ?? {}) as WechatResponse;
    const auth = (json['authorization_info'] ?? {}) as WechatResponse;
    return {
      name: typeof info['nick_name'] === 'string' ? info['nick_name'] : '',
      userName: typeof info['user_name'] === 'string' ? info['user_name'] : '',
      funcInfo: funcInfoIds(auth['func_info']),
    };
  }

  /** Every page of `api_get_authorizer_list` (500 a call): the one way to recover lost refresh tokens. */
  async authorizerList(): Promise<Array<{ appid: string; refreshToken: string; authTime: number }>> {
    const path = '/cgi-bin/component/api_get_authorizer_list';
    const out: Array<{ appid: string; refreshToken: string; authTime: number }> = [];
    for (let offset = 0; ; offset += 500) {
      const json = await this.#call({
        method: 'POST',
        path,
        body: { component_appid: this.appid, offset, count: 500 },
      });
      const list = Array.isArray(json['list']) ? (json['list'] as WechatResponse[]) : [];
      for (const item of list) {
        if (typeof item['authorizer_appid'] === 'string' && typeof item['refresh_token'] === 'string') {
          out.push({
            appid: item['authorizer_appid'],
            refreshToken: item['refresh_token'],
            authTime: numberOr(item['auth_time'], 0),
          });
        }
      }
      if (list.length < 500 || out.length >= numberOr(json['total_count'], 0)) return out;
    }
  }

  /** `/sns/oauth2/component/access_token`: web authorization on behalf of `appid` (§8). */
  async oauthExchangeCode(appid: string, code: string): Promise<WechatResponse> {
    const path = '/sns/oauth2/component/access_token';
    const token = await this.token();
    return this.#transport.request({
      method: 'GET',
      path,
      query: {
        appid,
        code,
        grant_type: 'authorization_code',
        component_appid: this.appid,
        component_access_token: token,
      },
      secrets: [token, code],
      idempotent: false,
    });
  }

  /**
   * A customer-service text sent with a given authorizer token (the release check answers with the token
   * `api_query_auth` returned, not with a stored one). Not retried after a timeout: no duplicate message.
   */
  async sendCustomText(accessToken: string, openid: string, content: string): Promise<void> {
    await this.#transport.request({
      method: 'POST',
      path: '/cgi-bin/message/custom/send',
      query: { access_token: accessToken },
      body: { touser: openid, msgtype: 'text', text: { content } },
      secrets: [accessToken],
      idempotent: false,
    });
  }

  /** A call with the component_access_token, renewed once if WeChat rejects it. */
  async #call(req: Omit<ApiRequest, 'secrets' | 'query'>, secrets: string[] = []): Promise<WechatResponse> {
    const token = await this.token();
    const send = (t: string) =>
      this.#transport.request({
        ...req,
        query: { component_access_token: t },
        secrets: [t, this.#component.appsecret, ...secrets],
      });
    try {
      return await send(token);
    } catch (err) {
      if (!(err instanceof WechatApiError) || !ACCESS_TOKEN_ERROR_CODES.has(err.errcode)) throw err;
      this.#logger.info(
        { endpoint: req.path, errcode: err.errcode },
        'component_access_token rejected; renewing once',
      );
      return send(await this.token(token));
    }
  }
}

/** The ids of func_info: `[{"funcscope_category": {"id": 1}}, …]`. */
export function funcInfoIds(value: unknown): number[] {
  if (!Array.isArray(value)) return [];
  const ids = new Set<number>();
  for (const item of value) {
    const id = (item as { funcscope_category?: { id?: unknown } } | null)?.funcscope_category?.id;
    if (typeof id === 'number') ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}
