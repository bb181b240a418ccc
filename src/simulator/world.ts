import type { Logger } from 'pino';
import { AccessTokens, type AccessTokensState } from './access-tokens.js';
import { Account, type AccountIdentity, type AccountState } from './account.js';
import { OffsetClock } from './clock.js';
import {
  derivedGhId,
  derivedOpenId,
  derivedUnionId,
  newAppId,
  newOpenId,
  newAppSecret,
  newEncodingAesKey,
  newGhId,
  newToken,
  newUnionId,
  MsgIdSequence,
} from './ids.js';
import { Misbehaviour } from './misbehaviour.js';
import { OAuthGrants, type OAuthGrantsState } from './oauth-grants.js';
import { OpenApp, type OpenAppState } from './open-app.js';
import { Person } from './person.js';
import type { PushSettings } from './push-delivery.js';
import { SimulatorError } from './simulator-error.js';
import type {
  CreateAccountOptions,
  CreateAppOptions,
  MessageMode,
  OpenAppType,
  RecordedCall,
  SimClock,
} from './types.js';
import { decodeAesKey } from '../wire/crypto.js';

const MODES: readonly MessageMode[] = ['plain', 'compat', 'safe'];
const OPEN_APP_TYPES: readonly OpenAppType[] = ['miniprogram', 'website', 'mobile'];

/** Marks a state file as the simulator's, and its layout version. */
export const WORLD_STATE_FORMAT = 'wxoa-simulator-state';
export const WORLD_STATE_VERSION = 1;

/**
 * Everything the simulated platform keeps across a restart (state-file.ts): people, accounts with their
 * followers, menus, tags, QR codes and windows, access tokens and OAuth grants. Not kept: recorded calls and
 * injected misbehaviour, which belong to one test run.
 */
export interface WorldState {
  format: typeof WORLD_STATE_FORMAT;
  version: typeof WORLD_STATE_VERSION;
  /** Secret of the derived ids (ids.ts): the same seed gives the same people the same ids. */
  seed: string;
  personCount: number;
  lastMsgId: string;
  /** How far `clock.advance` moved a real-time clock. */
  clockOffsetMs?: number | undefined;
  persons: Array<{ unionid: string; nickname: string }>;
  accounts: AccountState[];
  tokens: AccessTokensState;
  oauth: OAuthGrantsState;
  /** The Open Platform's other apps (absent in files written before they existed). */
  apps?: OpenAppState[] | undefined;
  /** State of modules kept beside the world, by name (the third-party platforms of simulator/component/). */
  extensions?: Record<string, unknown> | undefined;
}

/** A module keeping state beside the world (World.extensions). */
export interface WorldExtension {
  snapshot(): unknown;
}

/** Everything the simulated platform knows; the HTTP routes and the programmatic API share it. */
export class World {
  readonly accounts = new Map<string, Account>();
  readonly persons = new Map<string, Person>();
  /** Mini Programs, website apps and mobile apps of the Open Platform, by AppID. */
  readonly apps = new Map<string, OpenApp>();
  readonly tokens: AccessTokens;
  readonly oauth: OAuthGrants;
  readonly misbehaviour = new Misbehaviour();
  readonly calls: RecordedCall[] = [];
  readonly msgIds = new MsgIdSequence();
  /** Modules keeping state beside the world; saved with it. */
  readonly extensions = new Map<string, WorldExtension>();
  /** Their saved state, for each to take when it first registers (after `restore`). */
  restoredExtensions: Record<string, unknown> = {};
  /** Set once the server listens. */
  baseUrl = '';
  /** Called after every change worth saving; the state file debounces it. */
  onChange: () => void = () => undefined;
  private personCount = 0;

  /**
   * @param seed when given, new people's UnionIDs and OpenIDs and new accounts' original IDs derive from it
   * and stable counters (ids.ts) instead of being random, so a kept world stays consistent.
   */
  constructor(
    readonly clock: SimClock,
    readonly logger: Logger,
    readonly push: PushSettings,
    readonly seed?: string,
  ) {
    this.tokens = new AccessTokens(clock);
    this.oauth = new OAuthGrants(clock);
  }

  changed(): void {
    this.onChange();
  }

  snapshot(): WorldState {
    if (this.seed === undefined) throw new Error('only a seeded world can be saved');
    return {
      format: WORLD_STATE_FORMAT,
      version: WORLD_STATE_VERSION,
      seed: this.seed,
      personCount: this.personCount,
      lastMsgId: this.msgIds.last,
      clockOffsetMs: this.clock instanceof OffsetClock ? this.clock.offsetMs : undefined,
      persons: [...this.persons.values()].map((p) => ({ unionid: p.unionid, nickname: p.nickname })),
      accounts: [...this.accounts.values()].map((a) => a.snapshot()),
      tokens: this.tokens.snapshot(),
      oauth: this.oauth.snapshot(),
      apps: [...this.apps.values()].map((a) => a.snapshot()),
      ...(this.extensions.size > 0
        ? { extensions: Object.fromEntries([...this.extensions].map(([name, e]) => [name, e.snapshot()])) }
        : {}),
    };
  }

  /** Loads a saved state into this (new, empty) world. */
  restore(state: WorldState): void {
    if (this.accounts.size > 0 || this.persons.size > 0) throw new Error('restore needs an empty world');
    this.personCount = state.personCount;
    this.msgIds.resume(state.lastMsgId);
    if (this.clock instanceof OffsetClock && state.clockOffsetMs) this.clock.offsetMs = state.clockOffsetMs;
    for (const p of state.persons) {
      this.persons.set(p.unionid, new Person(p.unionid, p.nickname, () => this.baseUrl));
    }
    for (const saved of state.accounts) {
      const account = this.newAccount(saved);
      account.restore(saved);
      this.accounts.set(account.appid, account);
    }
    this.tokens.restore(state.tokens);
    this.oauth.restore(state.oauth);
    for (const saved of state.apps ?? []) {
      const app = this.newApp(saved);
      app.restore(saved);
      this.apps.set(app.appid, app);
    }
    this.restoredExtensions = { ...state.extensions };
  }

  /** Adds a Mini Program, website app or mobile app to the Open Platform. */
  createApp(opts: CreateAppOptions): OpenApp {
    if (!OPEN_APP_TYPES.includes(opts.type))
      throw new SimulatorError('invalid', `type must be one of ${OPEN_APP_TYPES.join(', ')}`);
    const appid = opts.appid ?? newAppId();
    if (this.apps.has(appid) || this.accounts.has(appid))
      throw new SimulatorError('conflict', `app ${appid} exists`);
    const app = this.newApp({
      appid,
      appsecret: opts.appsecret ?? newAppSecret(),
      type: opts.type,
      name: opts.name ?? `Sandbox ${opts.type}`,
      bound: opts.bound ?? true,
    });
    this.apps.set(appid, app);
    this.changed();
    return app;
  }

  app(appid: string): OpenApp {
    const app = this.apps.get(appid);
    if (!app) throw new SimulatorError('not_found', `no app ${appid}`);
    return app;
  }

  private newApp(a: Pick<OpenAppState, 'appid' | 'appsecret' | 'type' | 'name' | 'bound'>): OpenApp {
    return new OpenApp(a.appid, a.appsecret, a.type, a.name, a.bound, {
      clock: this.clock,
      // A website's QR sign-in grants snsapi_login; a mobile app's SDK, snsapi_userinfo (§9).
      issueOAuthCode: (app, person) =>
        this.oauth.issueCode({
          appid: app.appid,
          openid: app.openidOf(person),
          unionid: person.unionid,
          scope: app.type === 'website' ? 'snsapi_login' : 'snsapi_userinfo',
          unbound: !app.bound,
        }),
      newOpenId: (appid, person) =>
        this.seed !== undefined ? derivedOpenId(this.seed, appid, person.unionid) : newOpenId(),
      person: (unionid) => this.persons.get(unionid),
      changed: () => this.changed(),
    });
  }

  createAccount(opts: CreateAccountOptions = {}): Account {
    const appid = opts.appid ?? newAppId();
    if (this.accounts.has(appid)) throw new SimulatorError('conflict', `account ${appid} exists`);
    const encodingAesKey = opts.encodingAesKey ?? newEncodingAesKey();
    try {
      decodeAesKey(encodingAesKey);
    } catch (e) {
      throw new SimulatorError('invalid', (e as Error).message);
    }
    const mode = opts.mode ?? 'plain';
    if (!MODES.includes(mode)) throw new SimulatorError('invalid', `mode must be one of ${MODES.join(', ')}`);
    const account = this.newAccount({
      appid,
      appsecret: opts.appsecret ?? newAppSecret(),
      token: opts.token ?? newToken(),
      encodingAesKey,
      ghId: opts.ghId ?? (this.seed !== undefined ? derivedGhId(this.seed, appid) : newGhId()),
    });
    account.webhookUrl = opts.webhookUrl;
    account.mode = mode;
    account.oauthDomains = [...(opts.oauthDomains ?? [])];
    this.accounts.set(appid, account);
    this.changed();
    return account;
  }

  private newAccount(identity: AccountIdentity): Account {
    const { appid, appsecret, token, encodingAesKey, ghId } = identity;
    return new Account(
      { appid, appsecret, token, encodingAesKey, ghId },
      {
        clock: this.clock,
        push: this.push,
        msgIds: this.msgIds,
        createPerson: () => this.createPerson(),
        person: (unionid) => this.persons.get(unionid),
        newOpenId: (appid, person) =>
          this.seed !== undefined ? derivedOpenId(this.seed, appid, person.unionid) : newOpenId(),
        changed: () => this.changed(),
      },
    );
  }

  account(appid: string): Account {
    const account = this.accounts.get(appid);
    if (!account) throw new SimulatorError('not_found', `no account ${appid}`);
    return account;
  }

  createPerson(opts: { unionid?: string | undefined; nickname?: string | undefined } = {}): Person {
    const unionid =
      opts.unionid ??
      (this.seed !== undefined ? derivedUnionId(this.seed, this.personCount + 1) : newUnionId());
    if (this.persons.has(unionid))
      throw new SimulatorError('conflict', `a person with unionid ${unionid} exists`);
    this.personCount++;
    // A CJK nickname, so clients meet UTF-8 in /sns/userinfo.
    const person = new Person(unionid, opts.nickname ?? `测试用户${this.personCount}`, () => this.baseUrl);
    this.persons.set(unionid, person);
    this.changed();
    return person;
  }
}
