import { randomBytes } from 'node:crypto';
import { MessageCrypto } from '../../wire/crypto.js';
import { wechatSignature } from '../../wire/signature.js';
import { wxError } from '../api-errors.js';
import type { Account } from '../account.js';
import { unixSeconds } from '../clock.js';
import { newAppId, newAppSecret, newEncodingAesKey, newNonce, newToken } from '../ids.js';
import { SimulatorError } from '../simulator-error.js';
import { buildXml } from '../xml.js';
import type { World } from '../world.js';

/** What a platform keeps across a restart of a simulator with a state file. */
export interface SimComponentState {
  appid: string;
  appsecret: string;
  token: string;
  encodingAesKey: string;
  eventUrl?: string | undefined;
  messageUrl?: string | undefined;
  tickets: Array<{ ticket: string; issuedAt: number }>;
  componentTokens: Array<[string, number]>;
  authCodes: Array<[string, { appid: string; funcInfo: number[]; expiresAt: number; used: boolean }]>;
  authorizations: Array<
    [string, { refreshToken: string; funcInfo: number[]; authorized: boolean; authTime: number }]
  >;
}

/** The rules of WECHAT-PROTOCOL.md §8 the simulated platform enforces. */
export const TICKET_TTL_MS = 12 * 3600_000;
export const TICKET_INTERVAL_MS = 10 * 60_000;
export const PRE_AUTH_CODE_TTL_S = 600;
export const AUTH_CODE_TTL_S = 3600;
export const COMPONENT_TOKEN_TTL_S = 7200;
/** Every Official Account permission set; what an administrator grants unless told otherwise. */
export const ALL_FUNC_INFO: readonly number[] = [1, 2, 3, 4, 6, 7, 11, 15];
/** WeChat's release-check robot account (全网发布, §8). */
export const RELEASE_CHECK_APPID = 'wx570bc396a51b8ff8';
export const RELEASE_CHECK_GH_ID = 'gh_3c884a361561';

/** What an authorized account's relation to the platform is. */
interface Authorization {
  refreshToken: string;
  funcInfo: number[];
  authorized: boolean;
  authTime: number;
}

/** An answered push to the platform's URLs. */
export interface ComponentPushResult {
  status: number;
  body: string;
}

/** Options of a new simulated platform. */
export interface CreateComponentOptions {
  appid?: string | undefined;
  appsecret?: string | undefined;
  token?: string | undefined;
  encodingAesKey?: string | undefined;
  /** The authorization event URL (`/wechat/component/events`). */
  eventUrl?: string | undefined;
  /** The message URL with `$APPID$` (`/wechat/component/$APPID$`). */
  messageUrl?: string | undefined;
}

/**
 * One simulated third-party platform: its tickets (pushed every 10 minutes and on demand, valid 12 h), its
 * component_access_token, single-use pre-auth codes (600 s) and authorization codes, the refresh tokens of
 * the accounts that authorized it (rotated on every refresh; an old one answers 61023), and the permission
 * sets (func_info) each granted.
 */
export class SimComponent {
  readonly appid: string;
  readonly appsecret: string;
  readonly token: string;
  readonly encodingAesKey: string;
  readonly crypto: MessageCrypto;
  eventUrl: string | undefined;
  messageUrl: string | undefined;
  readonly tickets: Array<{ ticket: string; issuedAt: number }> = [];
  readonly componentTokens = new Map<string, number>();
  readonly preAuthCodes = new Map<string, { expiresAt: number; used: boolean }>();
  readonly authCodes = new Map<
    string,
    { appid: string; funcInfo: number[]; expiresAt: number; used: boolean }
  >();
  readonly authorizations = new Map<string, Authorization>();
  #timer: NodeJS.Timeout | undefined;
  /** Whether tickets are pushed every 10 minutes, and when the last one was (simulated time). */
  #autoTickets = false;
  #lastTicketAt = 0;

  constructor(
    readonly world: World,
    opts: CreateComponentOptions = {},
  ) {
    this.appid = opts.appid ?? newAppId();
    this.appsecret = opts.appsecret ?? newAppSecret();
    this.token = opts.token ?? newToken();
    this.encodingAesKey = opts.encodingAesKey ?? newEncodingAesKey();
    this.crypto = new MessageCrypto(this.encodingAesKey, this.appid);
    this.eventUrl = opts.eventUrl;
    this.messageUrl = opts.messageUrl;
  }

  snapshot(): SimComponentState {
    return {
      appid: this.appid,
      appsecret: this.appsecret,
      token: this.token,
      encodingAesKey: this.encodingAesKey,
      eventUrl: this.eventUrl,
      messageUrl: this.messageUrl,
      tickets: this.tickets.slice(-10),
      componentTokens: [...this.componentTokens],
      authCodes: [...this.authCodes],
      authorizations: [...this.authorizations].map(([appid, a]) => [appid, { ...a }]),
    };
  }

  /** Loads a saved state; the authorized accounts' pushes go through the platform again. */
  restore(state: SimComponentState): void {
    this.tickets.push(...state.tickets);
    for (const [k, v] of state.componentTokens) this.componentTokens.set(k, v);
    for (const [k, v] of state.authCodes) this.authCodes.set(k, { ...v });
    for (const [appid, a] of state.authorizations) {
      this.authorizations.set(appid, { ...a });
      if (a.authorized) this.#routePushes(appid, true);
    }
  }

  /** Sets where the platform's pushes go; the authorized accounts' message URL follows. */
  setUrls(eventUrl: string | undefined, messageUrl: string | undefined): void {
    this.eventUrl = eventUrl;
    this.messageUrl = messageUrl;
    for (const [appid, a] of this.authorizations) if (a.authorized) this.#routePushes(appid, true);
  }

  /** Pushes a ticket every 10 minutes (real time; tests push on demand with `pushTicket`). */
  startTicketTimer(): void {
    this.#autoTickets = true;
    this.#timer ??= setInterval(() => {
      this.pushTicket().catch((err: unknown) => this.world.logger.debug({ err }, 'ticket push failed'));
    }, TICKET_INTERVAL_MS).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * With tickets on, pushes one when 10 simulated minutes passed since the last: called on every simulator
   * request, so a test that advances the clock sees the push on its next call.
   */
  tick(): void {
    if (!this.#autoTickets || this.world.clock.now() - this.#lastTicketAt < TICKET_INTERVAL_MS) return;
    this.pushTicket().catch((err: unknown) => this.world.logger.debug({ err }, 'ticket push failed'));
  }

  /** A new ticket, pushed to the event URL. */
  async pushTicket(): Promise<ComponentPushResult & { ticket: string }> {
    this.#lastTicketAt = this.world.clock.now();
    const ticket = `ticket@@@${randomBytes(24).toString('base64url')}`;
    this.tickets.push({ ticket, issuedAt: this.world.clock.now() });
    if (this.tickets.length > 100) this.tickets.shift();
    this.world.changed();
    const result = await this.pushInfo({
      InfoType: 'component_verify_ticket',
      ComponentVerifyTicket: ticket,
    });
    return { ...result, ticket };
  }

  /** POST /cgi-bin/component/api_component_token. */
  componentToken(
    appsecret: unknown,
    ticket: unknown,
  ): { component_access_token: string; expires_in: number } {
    if (appsecret !== this.appsecret) throw wxError(40125);
    const found = this.tickets.find((t) => t.ticket === ticket);
    if (!found) throw wxError(61006);
    if (this.world.clock.now() - found.issuedAt > TICKET_TTL_MS) throw wxError(61005);
    const token = `ctoken_${randomBytes(24).toString('base64url')}`;
    this.componentTokens.set(token, this.world.clock.now() + COMPONENT_TOKEN_TTL_S * 1000);
    return { component_access_token: token, expires_in: COMPONENT_TOKEN_TTL_S };
  }

  /** Checks a component_access_token (41001 / 40001 / 42001). */
  checkToken(token: string | undefined): void {
    if (token === undefined) throw wxError(41001);
    const expiresAt = this.componentTokens.get(token);
    if (expiresAt === undefined) throw wxError(40001);
    if (this.world.clock.now() >= expiresAt) throw wxError(42001);
  }

  preAuthCode(): { pre_auth_code: string; expires_in: number } {
    const code = `preauthcode@@@${randomBytes(24).toString('base64url')}`;
    this.preAuthCodes.set(code, {
      expiresAt: this.world.clock.now() + PRE_AUTH_CODE_TTL_S * 1000,
      used: false,
    });
    return { pre_auth_code: code, expires_in: PRE_AUTH_CODE_TTL_S };
  }

  /** Spends a pre-auth code (single use, 600 s); SimulatorError when it is no good. */
  usePreAuthCode(code: string | undefined): void {
    const entry = code === undefined ? undefined : this.preAuthCodes.get(code);
    if (!entry) throw new SimulatorError('invalid', 'unknown pre_auth_code');
    if (entry.used) throw new SimulatorError('invalid', 'this pre_auth_code was already used');
    if (this.world.clock.now() >= entry.expiresAt)
      throw new SimulatorError('invalid', 'pre_auth_code expired');
    entry.used = true;
  }

  /**
   * A simulated administrator authorizes `appid` with `funcInfo`: an authorization code is issued (and, by
   * the caller, pushed as `authorized`/`updateauthorized` and given to the redirect).
   */
  grant(appid: string, funcInfo: readonly number[] = ALL_FUNC_INFO): { code: string; update: boolean } {
    this.world.account(appid);
    const update = this.authorizations.get(appid)?.authorized === true;
    const code = `queryauthcode@@@${randomBytes(24).toString('base64url')}`;
    this.authCodes.set(code, {
      appid,
      funcInfo: [...funcInfo],
      expiresAt: this.world.clock.now() + AUTH_CODE_TTL_S * 1000,
      used: false,
    });
    return { code, update };
  }

  /** POST api_query_auth: a code once; issues the first tokens, replaces any earlier refresh token. */
  queryAuth(code: unknown): Record<string, unknown> {
    const entry = typeof code === 'string' ? this.authCodes.get(code) : undefined;
    if (!entry) throw wxError(61009);
    if (entry.used) throw wxError(61009, 'code been used');
    if (this.world.clock.now() >= entry.expiresAt) throw wxError(61010);
    entry.used = true;
    const refreshToken = newRefreshToken();
    this.authorizations.set(entry.appid, {
      refreshToken,
      funcInfo: entry.funcInfo,
      authorized: true,
      authTime: unixSeconds(this.world.clock),
    });
    this.#routePushes(entry.appid, true);
    const grant = this.world.tokens.issue(entry.appid);
    return {
      authorization_info: {
        authorizer_appid: entry.appid,
        authorizer_access_token: grant.access_token,
        expires_in: grant.expires_in,
        authorizer_refresh_token: refreshToken,
        func_info: entry.funcInfo.map((id) => ({ funcscope_category: { id } })),
      },
    };
  }

  /** POST api_authorizer_token: rotates the refresh token; the previous one answers 61023 from now on. */
  authorizerToken(appid: unknown, refreshToken: unknown): Record<string, unknown> {
    const auth = typeof appid === 'string' ? this.authorizations.get(appid) : undefined;
    if (!auth || !auth.authorized) throw wxError(61007, 'not authorized to this component');
    if (refreshToken !== auth.refreshToken) throw wxError(61023);
    auth.refreshToken = newRefreshToken();
    const grant = this.world.tokens.issue(appid as string);
    return {
      authorizer_access_token: grant.access_token,
      expires_in: grant.expires_in,
      authorizer_refresh_token: auth.refreshToken,
    };
  }

  authorizerInfo(appid: unknown): Record<string, unknown> {
    const auth = typeof appid === 'string' ? this.authorizations.get(appid) : undefined;
    if (!auth) throw wxError(61007, 'not authorized to this component');
    const account = this.world.account(appid as string);
    return {
      authorizer_info: {
        nick_name: `Sandbox account ${account.appid.slice(-4)}`,
        user_name: account.ghId,
        service_type_info: { id: 2 },
        verify_type_info: { id: 0 },
        principal_name: 'wxoa simulator',
      },
      authorization_info: {
        authorizer_appid: appid,
        func_info: auth.funcInfo.map((id) => ({ funcscope_category: { id } })),
      },
    };
  }

  authorizerList(offset: unknown, count: unknown): Record<string, unknown> {
    if (typeof count !== 'number' || count < 1 || count > 500) throw wxError(40035, 'count must be 1..500');
    const start = typeof offset === 'number' ? offset : 0;
    const all = [...this.authorizations].filter(([, a]) => a.authorized);
    return {
      total_count: all.length,
      list: all.slice(start, start + count).map(([appid, a]) => ({
        authorizer_appid: appid,
        refresh_token: a.refreshToken,
        auth_time: a.authTime,
      })),
    };
  }

  /** The permission sets an access token's account granted this platform, if it is an authorizer. */
  funcInfoOf(appid: string): number[] | undefined {
    const auth = this.authorizations.get(appid);
    return auth?.authorized ? auth.funcInfo : undefined;
  }

  /** Makes the refresh token the server holds stale (as after a lost rotation): the next refresh gets 61023. */
  rotateBehindServer(appid: string): void {
    const auth = this.authorizations.get(appid);
    if (!auth) throw new SimulatorError('not_found', `${appid} has not authorized ${this.appid}`);
    auth.refreshToken = newRefreshToken();
  }

  /** The administrator withdraws the authorization: `unauthorized` is pushed, pushes go back to the account's URL. */
  async unauthorize(appid: string): Promise<ComponentPushResult> {
    const auth = this.authorizations.get(appid);
    if (!auth?.authorized) throw new SimulatorError('invalid', `${appid} has not authorized ${this.appid}`);
    auth.authorized = false;
    this.#routePushes(appid, false);
    return this.pushInfo({ InfoType: 'unauthorized', AuthorizerAppid: appid });
  }

  /** Pushes an authorization event for a code `grant` issued. */
  pushAuthorized(appid: string, code: string, update: boolean): Promise<ComponentPushResult> {
    return this.pushInfo({
      InfoType: update ? 'updateauthorized' : 'authorized',
      AuthorizerAppid: appid,
      AuthorizationCode: code,
      AuthorizationCodeExpiredTime: String(unixSeconds(this.world.clock) + AUTH_CODE_TTL_S),
      PreAuthCode: '',
    });
  }

  /** Encrypts and posts an InfoType push to the event URL, as WeChat does (§8). */
  async pushInfo(fields: Record<string, string>): Promise<ComponentPushResult> {
    if (this.eventUrl === undefined) return { status: 0, body: 'no eventUrl set' };
    const plain = buildXml({
      AppId: this.appid,
      CreateTime: String(unixSeconds(this.world.clock)),
      ...fields,
    });
    return this.post(this.eventUrl, plain);
  }

  /** Posts `plain` encrypted with the platform's key to `url` (safe mode), returning the answer. */
  async post(
    url: string,
    plain: string,
    extraQuery: Record<string, string> = {},
  ): Promise<ComponentPushResult> {
    const timestamp = String(unixSeconds(this.world.clock));
    const nonce = newNonce();
    const encrypted = this.crypto.encrypt(plain);
    const target = new URL(url);
    target.searchParams.set('timestamp', timestamp);
    target.searchParams.set('nonce', nonce);
    target.searchParams.set('signature', wechatSignature(this.token, timestamp, nonce));
    target.searchParams.set('encrypt_type', 'aes');
    target.searchParams.set('msg_signature', wechatSignature(this.token, timestamp, nonce, encrypted));
    for (const [k, v] of Object.entries(extraQuery)) target.searchParams.set(k, v);
    const res = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: buildXml({ AppId: this.appid, Encrypt: encrypted }),
      signal: AbortSignal.timeout(5000),
    });
    return { status: res.status, body: await res.text() };
  }

  /** The release-check robot's account, created on first use. */
  releaseCheckAccount(): Account {
    return (
      this.world.accounts.get(RELEASE_CHECK_APPID) ??
      (this.world.createAccount({
        appid: RELEASE_CHECK_APPID,
        ghId: RELEASE_CHECK_GH_ID,
        mode: 'safe',
      }) as Account)
    );
  }

  /** While authorized, the account's pushes go to the platform's message URL with the platform's key. */
  #routePushes(appid: string, authorized: boolean): void {
    const account = this.world.accounts.get(appid);
    if (!account) return;
    account.pushVia =
      authorized && this.messageUrl !== undefined
        ? { webhookUrl: this.messageUrl.replace('$APPID$', appid), token: this.token, crypto: this.crypto }
        : undefined;
  }

  /** Routes the release-check account's pushes through the platform (the robot needs no authorization). */
  routeReleaseCheck(): Account {
    const account = this.releaseCheckAccount();
    if (this.messageUrl !== undefined) {
      account.pushVia = {
        webhookUrl: this.messageUrl.replace('$APPID$', account.appid),
        token: this.token,
        crypto: this.crypto,
      };
    }
    return account;
  }
}

function newRefreshToken(): string {
  return `refreshtoken@@@${randomBytes(24).toString('base64url')}`;
}

/** The simulated platforms of each world, saved with it as the extension `components`. */
const platforms = new WeakMap<World, Map<string, SimComponent>>();

/** The platforms of `world` (restored from its state file the first time they are asked for). */
export function componentsOf(world: World): Map<string, SimComponent> {
  let map = platforms.get(world);
  if (!map) {
    const created = new Map<string, SimComponent>();
    map = created;
    platforms.set(world, created);
    world.extensions.set('components', {
      snapshot: () => [...created.values()].map((c) => c.snapshot()),
    });
    const saved = world.restoredExtensions['components'];
    if (Array.isArray(saved)) {
      for (const state of saved as SimComponentState[]) {
        const c = new SimComponent(world, state);
        c.restore(state);
        created.set(c.appid, c);
      }
    }
  }
  return map;
}

/** The platform `appid` of `world`; SimulatorError not_found. */
export function componentOf(world: World, appid: string): SimComponent {
  const c = componentsOf(world).get(appid);
  if (!c) throw new SimulatorError('not_found', `no third-party platform ${appid}`);
  return c;
}

/** Creates a platform in `world`. */
export function createComponent(world: World, opts: CreateComponentOptions = {}): SimComponent {
  const map = componentsOf(world);
  const c = new SimComponent(world, opts);
  if (map.has(c.appid) || world.accounts.has(c.appid))
    throw new SimulatorError('conflict', `${c.appid} exists`);
  map.set(c.appid, c);
  return c;
}
