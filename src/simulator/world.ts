import type { Logger } from 'pino';
import { AccessTokens } from './access-tokens.js';
import { Account } from './account.js';
import {
  newAppId,
  newAppSecret,
  newEncodingAesKey,
  newGhId,
  newToken,
  newUnionId,
  MsgIdSequence,
} from './ids.js';
import { Misbehaviour } from './misbehaviour.js';
import { OAuthGrants } from './oauth-grants.js';
import { Person } from './person.js';
import type { PushSettings } from './push-delivery.js';
import { SimulatorError } from './simulator-error.js';
import type { CreateAccountOptions, MessageMode, RecordedCall, SimClock } from './types.js';
import { decodeAesKey } from '../wire/crypto.js';

const MODES: readonly MessageMode[] = ['plain', 'compat', 'safe'];

/** Everything the simulated platform knows; the HTTP routes and the programmatic API share it. */
export class World {
  readonly accounts = new Map<string, Account>();
  readonly persons = new Map<string, Person>();
  readonly tokens: AccessTokens;
  readonly oauth: OAuthGrants;
  readonly misbehaviour = new Misbehaviour();
  readonly calls: RecordedCall[] = [];
  readonly msgIds = new MsgIdSequence();
  /** Set once the server listens. */
  baseUrl = '';
  private personCount = 0;

  constructor(
    readonly clock: SimClock,
    readonly logger: Logger,
    readonly push: PushSettings,
  ) {
    this.tokens = new AccessTokens(clock);
    this.oauth = new OAuthGrants(clock);
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
    const account = new Account(
      {
        appid,
        appsecret: opts.appsecret ?? newAppSecret(),
        token: opts.token ?? newToken(),
        encodingAesKey,
        ghId: opts.ghId ?? newGhId(),
      },
      {
        clock: this.clock,
        push: this.push,
        msgIds: this.msgIds,
        createPerson: () => this.createPerson(),
        person: (unionid) => this.persons.get(unionid),
      },
    );
    account.webhookUrl = opts.webhookUrl;
    account.mode = mode;
    account.oauthDomains = [...(opts.oauthDomains ?? [])];
    this.accounts.set(appid, account);
    return account;
  }

  account(appid: string): Account {
    const account = this.accounts.get(appid);
    if (!account) throw new SimulatorError('not_found', `no account ${appid}`);
    return account;
  }

  createPerson(opts: { unionid?: string | undefined; nickname?: string | undefined } = {}): Person {
    const unionid = opts.unionid ?? newUnionId();
    if (this.persons.has(unionid))
      throw new SimulatorError('conflict', `a person with unionid ${unionid} exists`);
    this.personCount++;
    // A CJK nickname, so clients meet UTF-8 in /sns/userinfo.
    const person = new Person(unionid, opts.nickname ?? `测试用户${this.personCount}`, () => this.baseUrl);
    this.persons.set(unionid, person);
    return person;
  }
}
