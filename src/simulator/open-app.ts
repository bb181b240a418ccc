import { wxError } from './api-errors.js';
import { newOAuthCode } from './ids.js';
import type { Person } from './person.js';
import type { OpenAppType, SimClock, SimOpenApp, SimPerson } from './types.js';

/** A `wx.login()` code lives 5 minutes and is good once (WECHAT-PROTOCOL.md §9). */
export const JS_CODE_TTL_MS = 5 * 60_000;
/** jscode2session answers 45011 past 100 calls per user per minute (§9). */
export const JS_CODE_CALLS_PER_MINUTE = 100;

/** An app of the sandbox Open Platform as saved in the state file. */
export interface OpenAppState {
  appid: string;
  appsecret: string;
  type: OpenAppType;
  name: string;
  bound: boolean;
  /** [unionid, openid] pairs, in the order the app met each person. */
  openids: Array<[string, string]>;
  /** UnionIDs of people WeChat's risk control blocks in this app (40226). */
  blocked: string[];
}

interface JsCode {
  unionid: string;
  openid: string;
  issuedAt: number;
  used: boolean;
}

/** What an app needs of the world around it. */
export interface OpenAppEnvironment {
  clock: SimClock;
  /** A code of the web-authorization kind (website QR sign-in, mobile SDK): /sns/oauth2/access_token takes it. */
  issueOAuthCode(app: OpenApp, person: Person): string;
  newOpenId(appid: string, person: Person): string;
  person(unionid: string): Person | undefined;
  changed(): void;
}

/**
 * A Mini Program, website app or mobile app of the simulated Open Platform (WECHAT-PROTOCOL.md §9). A
 * bound app shares each person's UnionID with the Official Accounts; an unbound one never reports it.
 */
export class OpenApp implements SimOpenApp {
  /** SimOpenApp.scanner: not saved, it belongs to one sign-in. */
  scanner: string | undefined;
  private readonly byUnionid = new Map<string, string>();
  private readonly byOpenid = new Map<string, string>();
  private readonly blocked = new Set<string>();
  private readonly jsCodes = new Map<string, JsCode>();
  /** Per openid, the times of jscode2session calls within the last minute. */
  private readonly calls = new Map<string, number[]>();

  constructor(
    readonly appid: string,
    readonly appsecret: string,
    readonly type: OpenAppType,
    readonly name: string,
    readonly bound: boolean,
    private readonly env: OpenAppEnvironment,
  ) {}

  snapshot(): OpenAppState {
    return {
      appid: this.appid,
      appsecret: this.appsecret,
      type: this.type,
      name: this.name,
      bound: this.bound,
      openids: [...this.byUnionid],
      blocked: [...this.blocked],
    };
  }

  restore(state: OpenAppState): void {
    for (const [unionid, openid] of state.openids) this.remember(unionid, openid);
    for (const unionid of state.blocked) this.blocked.add(unionid);
  }

  openidOf(person: Pick<SimPerson, 'unionid'>): string {
    let openid = this.byUnionid.get(person.unionid);
    if (openid === undefined) {
      const known = this.env.person(person.unionid);
      if (!known) throw new Error(`no person ${person.unionid}`);
      openid = this.env.newOpenId(this.appid, known);
      this.remember(person.unionid, openid);
      this.env.changed();
    }
    return openid;
  }

  /** The UnionID behind one of this app's OpenIDs, undefined when the app never issued it. */
  unionidOf(openid: string): string | undefined {
    return this.byOpenid.get(openid);
  }

  login(person: Pick<SimPerson, 'unionid'>): string {
    const known = this.env.person(person.unionid);
    if (!known) throw new Error(`no person ${person.unionid}`);
    const openid = this.openidOf(known);
    if (this.type !== 'miniprogram') return this.env.issueOAuthCode(this, known);
    const code = newOAuthCode();
    this.jsCodes.set(code, { unionid: known.unionid, openid, issuedAt: this.env.clock.now(), used: false });
    return code;
  }

  block(person: Pick<SimPerson, 'unionid'>): void {
    this.blocked.add(person.unionid);
    this.env.changed();
  }

  isBlocked(unionid: string): boolean {
    return this.blocked.has(unionid);
  }

  /**
   * `/sns/jscode2session` for a code of this Mini Program: 40029 unknown (or another app's), 45011 past 100
   * calls of the user in a minute, 40163 used, 40029 older than 5 minutes (the code is simply no longer
   * valid, §9), 40226 a user risk control blocks.
   */
  exchangeJsCode(code: string): { openid: string; session_key: string; unionid?: string } {
    const record = this.jsCodes.get(code);
    if (!record) throw wxError(40029);
    const now = this.env.clock.now();
    const recent = (this.calls.get(record.openid) ?? []).filter((t) => now - t < 60_000);
    recent.push(now);
    this.calls.set(record.openid, recent);
    if (recent.length > JS_CODE_CALLS_PER_MINUTE) throw wxError(45011);
    if (record.used) throw wxError(40163);
    if (now - record.issuedAt >= JS_CODE_TTL_MS) throw wxError(40029);
    record.used = true;
    if (this.blocked.has(record.unionid)) throw wxError(40226);
    return {
      openid: record.openid,
      // A fresh key each sign-in, as WeChat rotates it; base64 of 16 bytes like the real one.
      session_key: Buffer.from(newOAuthCode().slice(0, 16)).toString('base64'),
      ...(this.bound ? { unionid: record.unionid } : {}),
    };
  }

  private remember(unionid: string, openid: string): void {
    this.byUnionid.set(unionid, openid);
    this.byOpenid.set(openid, unionid);
  }
}
