import type { MessageCrypto } from '../wire/crypto.js';
import type { Logger } from 'pino';

/** The simulator's time source (ms since the epoch): token lifetimes, OAuth codes, service windows, CreateTime. */
export interface SimClock {
  now(): number;
  /** Moves the clock forward; the real clock keeps an offset, a manual clock jumps. */
  advance(ms: number): void;
}

/** An account's message mode as set in the console (WECHAT-PROTOCOL.md §1.1). */
export type MessageMode = 'plain' | 'compat' | 'safe';

/** Options of `startSimulator`. */
export interface StartSimulatorOptions {
  /** Listen port; 0 (the default) picks a free one. */
  port?: number | undefined;
  /** Listen address; defaults to 127.0.0.1 (the control API has no authentication). */
  host?: string | undefined;
  /** A manual clock for tests; defaults to real time plus an offset that `clock.advance` moves. */
  clock?: SimClock | undefined;
  logger?: Logger | undefined;
  /**
   * How long a push waits for the webhook before it counts as unanswered and is delivered again
   * (§4.1: WeChat waits 5 s). Default 5000; lower it only to keep retry tests fast.
   */
  pushTimeoutMs?: number | undefined;
  /** Deliveries of one push in total: the first and up to 3 retries (§4.1, §9). Default 4. */
  maxDeliveries?: number | undefined;
  /**
   * A JSON file that keeps the simulated platform across restarts (INTERFACE.md §7): people and their
   * UnionIDs, accounts, who follows, menus, QR codes, service windows, access tokens. Loaded at start when
   * it exists, saved shortly after every change and on close (atomically, mode 0600). Default: nothing kept.
   */
  stateFile?: string | undefined;
  /**
   * Secret from which new people's UnionIDs/OpenIDs derive (with a state file, the saved seed wins); the
   * same seed gives the n-th person the same ids. Default: random ids (random seed with a state file).
   */
  seed?: string | undefined;
}

/** Options of `Simulator.createAccount`; anything left out gets a random, well-formed value. */
export interface CreateAccountOptions {
  appid?: string | undefined;
  appsecret?: string | undefined;
  token?: string | undefined;
  /** 43 characters of [A-Za-z0-9] (§2.1). */
  encodingAesKey?: string | undefined;
  ghId?: string | undefined;
  webhookUrl?: string | undefined;
  /** Default 'plain'. */
  mode?: MessageMode | undefined;
  /** Hosts `redirect_uri` may point to on the authorize page (console "网页授权域名"); empty = any. */
  oauthDomains?: string[] | undefined;
}

/** One API request the simulator received (everything but the `/sim/*` control routes). */
export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The JSON body, parsed; null when there was none or it was not JSON. */
  body: unknown;
  /** The account the call concerned, from its access_token or its appid parameter, when known. */
  appid?: string;
  /** Simulator clock (ms) when the request arrived. */
  time: number;
  /** The errcode answered: 0 for success, -1 for an HTTP 500 misbehaviour. */
  errcode: number;
  /** The HTTP status answered. */
  status: number;
}

/** A fault to inject into the API (`Simulator.misbehave`). */
export type MisbehaveRule =
  | {
      /** Exact request path (e.g. '/cgi-bin/user/info') or a pattern; absent = every API path. */
      path?: string | RegExp | undefined;
      /** How many matching calls misbehave; default 1. */
      times?: number | undefined;
      /** Matching calls let through before this rule applies; default 0. */
      after?: number | undefined;
      /** Answer normally, but only after `ms` milliseconds. */
      kind: 'slow';
      ms: number;
      /**
       * A call whose client has gone by then (killed) is dropped, unanswered, unapplied and unrecorded: a
       * request lost on the way. Default false: it is applied, as WeChat would once it had the request.
       */
      dropIfGone?: boolean | undefined;
    }
  | {
      path?: string | RegExp | undefined;
      times?: number | undefined;
      /** 'system_error' answers errcode -1; 'invalid_credential' 40001; 'http_500' an HTTP 500. */
      kind: 'system_error' | 'http_500' | 'invalid_credential';
    }
  | {
      path?: string | RegExp | undefined;
      times?: number | undefined;
      /**
       * Answers normally, but reports `unionid` as the UnionID of `openid` wherever the answer names that
       * OpenID (user/info, user/info/batchget, /sns/*): what a client sees if WeChat ever changed one.
       */
      kind: 'other_unionid';
      openid: string;
      unionid: string;
    };

/** What happened to one push (after retries), as WeChat sees it. */
export interface PushResult {
  /** HTTP status of the answered delivery; 0 when no delivery was answered. */
  status: number;
  body: string;
  contentType: string | null;
  /** Milliseconds from the first delivery to the outcome (all deliveries). */
  ms: number;
  /**
   * Fields of the passive reply (decrypted in safe/compat mode), every value a string, repeated `item`
   * elements always an array; null for `success`, an empty body, or an invalid reply.
   */
  reply: Record<string, unknown> | null;
  /** The reply XML after decryption, null when there is none. */
  replyXml: string | null;
  /** Why WeChat would reject the answer: timeout, HTTP status, malformed XML, bad MsgSignature, wrong AppID… */
  replyError?: string;
  /** How many times the push was delivered (1 + retries after 5-second timeouts). */
  deliveries: number;
}

/** Options of `SimAccount.push`. */
export interface PushOptions {
  /** The `timestamp` query parameter (Unix seconds); default the simulator clock. */
  timestamp?: number | undefined;
  nonce?: string | undefined;
  /** Corrupts `signature` (and `msg_signature`) so a correct webhook must answer 401. */
  tamper?: boolean | undefined;
}

/** A WeChat user: one unionid, a different openid for each account (§6.2). */
export interface SimPerson {
  readonly unionid: string;
  readonly nickname: string;
  /** Avatar URL served by the simulator (/sns/userinfo `headimgurl`). */
  readonly headimgurl: string;
}

/** A person as one account sees them. Actions push the matching XML (§3) and update the platform state. */
export interface SimFollower {
  readonly openid: string;
  readonly unionid: string;
  readonly person: SimPerson;
  /** Currently following the account. */
  readonly subscribed: boolean;
  /**
   * Follows (subscribe event). With a scene (or a ticket from qrcode/create): EventKey `qrscene_X` and
   * Ticket, and user/info then shows ADD_SCENE_QR_CODE with qr_scene / qr_scene_str. Throws when already
   * following.
   */
  follow(opts?: {
    scene?: string | number | undefined;
    subscribeScene?: string | undefined;
  }): Promise<PushResult>;
  /** A follower scans a parametric QR code (SCAN event, EventKey without prefix). Throws when not following. */
  scan(scene: string | number): Promise<PushResult>;
  /** unsubscribe event. Throws when not following. */
  unfollow(): Promise<PushResult>;
  /** A text message with a unique 64-bit MsgId; opens the 48-hour window. Throws when not following. */
  sendText(content: string, opts?: { bizmsgmenuid?: string | undefined }): Promise<PushResult>;
  /** A CLICK menu event; opens the 1-minute window. Throws when not following. */
  click(key: string): Promise<PushResult>;
  /** A VIEW menu event (a `view` button's URL); opens no window. Throws when not following. */
  view(url: string): Promise<PushResult>;
}

/** A customer-service message the account sent (message/custom/send), as received. */
export interface SentMessage {
  touser: string;
  msgtype: string;
  /** The whole request body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** Simulator clock (ms). */
  time: number;
}

/** One simulated Official Account. */
export interface SimAccount {
  readonly appid: string;
  readonly appsecret: string;
  readonly token: string;
  readonly encodingAesKey: string;
  readonly ghId: string;
  webhookUrl: string | undefined;
  mode: MessageMode;
  /**
   * Set while a third-party platform holds the account's authorization: pushes go to the platform's message
   * URL, in safe mode with the platform's token and key (issue 13).
   */
  pushVia: { webhookUrl: string; token: string; crypto: MessageCrypto } | undefined;
  /** Hosts the OAuth redirect_uri may use; empty = any (10003 otherwise). */
  oauthDomains: string[];
  /**
   * The OpenID of the person holding the simulated phone: the authorize page signs them in when the request
   * names nobody (no `sim_openid` / `sim_unionid`), as WeChat signs in whoever uses the client.
   */
  phoneHolder: string | undefined;
  /** Gets (or creates) the follower this account sees for an openid or a person; a bare call makes a new person. */
  follower(openidOrPerson?: string | SimPerson): SimFollower;
  /** The last menu/create body, null when there is no menu. */
  readonly menu: unknown;
  readonly sentMessages: SentMessage[];
  /** Openids currently following, in follow order. */
  followers(): string[];
  /** Adds `count` people who followed before the webhook existed: no push, no service window. */
  seedFollowers(count: number): SimFollower[];
  /** Pushes raw inbound XML (signed, encrypted per mode) to webhookUrl; applies its platform effects first. */
  push(xml: string, opts?: PushOptions): Promise<PushResult>;
}

/** The kinds of app an Open Platform account binds besides Official Accounts (WECHAT-PROTOCOL.md §9). */
export type OpenAppType = 'miniprogram' | 'website' | 'mobile';

/** Options of `Simulator.createApp`; anything left out gets a random, well-formed value. */
export interface CreateAppOptions {
  type: OpenAppType;
  appid?: string | undefined;
  appsecret?: string | undefined;
  name?: string | undefined;
  /** Bound to the simulated Open Platform (default true): false means it never reports a UnionID. */
  bound?: boolean | undefined;
}

/** A Mini Program, website app or mobile app of the simulated Open Platform. */
export interface SimOpenApp {
  readonly appid: string;
  readonly appsecret: string;
  readonly type: OpenAppType;
  readonly name: string;
  readonly bound: boolean;
  /** The OpenID this app sees for a person (issued the first time). */
  openidOf(person: Pick<SimPerson, 'unionid'>): string;
  /**
   * The person signs in as the app's client would: `wx.login()` in a Mini Program (a js_code for
   * jscode2session), the WeChat SDK of a mobile app, or a scan of the website's QR code (a code for
   * /sns/oauth2/access_token). Each code is good once, for 5 minutes.
   */
  login(person: Pick<SimPerson, 'unionid'>): string;
  /** WeChat's risk control blocks the person in this app: their next code exchange answers 40226. */
  block(person: Pick<SimPerson, 'unionid'>): void;
  /** A website app: the UnionID of whoever is about to scan its QR page (listed first there). */
  scanner: string | undefined;
}

/** The running simulator. */
export interface Simulator {
  /** Base URL, e.g. http://127.0.0.1:PORT — serves /cgi-bin/*, /sns/*, /connect/oauth2/authorize, /sim/*. */
  readonly url: string;
  readonly clock: SimClock;
  createAccount(opts?: CreateAccountOptions): SimAccount;
  /** Throws when there is no such account. */
  account(appid: string): SimAccount;
  readonly accounts: readonly SimAccount[];
  /** A person who can follow several accounts; the same unionid everywhere. */
  createPerson(opts?: { unionid?: string | undefined; nickname?: string | undefined }): SimPerson;
  /** Adds a Mini Program, website app or mobile app to the simulated Open Platform. */
  createApp(opts: CreateAppOptions): SimOpenApp;
  /** Throws when there is no such app. */
  app(appid: string): SimOpenApp;
  readonly apps: readonly SimOpenApp[];
  /** Every API call received, oldest first. */
  readonly calls: RecordedCall[];
  clearCalls(): void;
  misbehave(rule: MisbehaveRule): void;
  /** Faults of `misbehave` not yet applied to a call (0: a `slow` one is now holding its call). */
  readonly pendingMisbehaviour: number;
  /** Invalidates the account's access tokens now: the next call with one gets 40001. */
  invalidateTokens(appid: string): void;
  /** Writes the state file now (it is also written shortly after each change); nothing without one. */
  saveState(): Promise<void>;
  /** Stops listening and writes the state file a last time. */
  close(): Promise<void>;
}
