import { MessageCrypto } from '../wire/crypto.js';
import { unixSeconds } from './clock.js';
import { Follower } from './follower.js';
import { newQrUrl, newTicket, type MsgIdSequence } from './ids.js';
import type { Person } from './person.js';
import { deliverPush, type PushSettings } from './push-delivery.js';
import { sceneKey, type QrCode } from './qrcode.js';
import type { ServiceWindowState } from './service-window.js';
import { SimulatorError } from './simulator-error.js';
import type {
  MessageMode,
  PushOptions,
  PushResult,
  SentMessage,
  SimAccount,
  SimClock,
  SimPerson,
} from './types.js';
import { field, parseWechatXml } from './xml.js';

/** What an account needs from the simulator around it. */
export interface AccountEnvironment {
  clock: SimClock;
  push: PushSettings;
  msgIds: MsgIdSequence;
  createPerson(): Person;
  person(unionid: string): Person | undefined;
  /** The OpenID this account gets for a person it meets for the first time. */
  newOpenId(appid: string, person: Person): string;
  /** Something WeChat keeps changed (the state file saves it soon). */
  changed(): void;
}

/** One follower as saved in the simulator's state file. */
export interface FollowerState {
  openid: string;
  unionid: string;
  subscribed: boolean;
  subscribeTime?: number | undefined;
  unsubscribeTime?: number | undefined;
  subscribeScene: string;
  qrScene: number;
  qrSceneStr: string;
  remark: string;
  tagIds: number[];
  window: ServiceWindowState;
  blacklisted?: boolean | undefined;
}

/** An account as saved in the simulator's state file. */
export interface AccountState extends AccountIdentity {
  webhookUrl?: string | undefined;
  mode: MessageMode;
  oauthDomains: string[];
  menu: unknown;
  sentMessages: SentMessage[];
  tags: Tag[];
  nextTagId: number;
  qrcodes: QrCode[];
  visitor?: string | undefined;
  /** Every OpenID the account issued, in the order they were issued. */
  followers: FollowerState[];
  /** OpenIDs in first-follow order (user/get). */
  order: string[];
}

/** Identity of an account (all given: the simulator fills random values in first). */
export interface AccountIdentity {
  appid: string;
  appsecret: string;
  token: string;
  encodingAesKey: string;
  ghId: string;
}

/** A tag (§6.4); ids 0–2 are WeChat's own, 2 being 星标组. */
export interface Tag {
  id: number;
  name: string;
}

const OPENID_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;

/** One simulated Official Account with the platform state WeChat keeps for it. */
export class Account implements SimAccount {
  readonly appid: string;
  readonly appsecret: string;
  readonly token: string;
  readonly encodingAesKey: string;
  readonly ghId: string;
  readonly crypto: MessageCrypto;
  webhookUrl: string | undefined;
  mode: MessageMode = 'plain';
  oauthDomains: string[] = [];
  /**
   * Set while a third-party platform holds this account's authorization (issue 13): pushes go to the
   * platform's message URL, in safe mode with the platform's token and key (WECHAT-PROTOCOL.md §8).
   */
  pushVia: { webhookUrl: string; token: string; crypto: MessageCrypto } | undefined;
  menu: unknown = null;
  readonly sentMessages: SentMessage[] = [];
  readonly tags = new Map<number, Tag>([[2, { id: 2, name: '星标组' }]]);
  nextTagId = 100;
  /** Every QR code by ticket, in creation order. */
  readonly qrcodes = new Map<string, QrCode>();
  /** Whose phone the authorize page is opened on when the request names nobody (SimAccount.phoneHolder). */
  phoneHolder: string | undefined;
  /** The person this account showed on its authorize page when none was named (not a follower). */
  visitor: Follower | undefined;

  private readonly byOpenid = new Map<string, Follower>();
  private readonly byUnionid = new Map<string, Follower>();
  /** Openids in the order they first followed: the order of user/get (§6.3). */
  private readonly order: string[] = [];
  private readonly orderIndex = new Map<string, number>();
  private subscribedCount = 0;

  constructor(
    identity: AccountIdentity,
    private readonly env: AccountEnvironment,
  ) {
    ({
      appid: this.appid,
      appsecret: this.appsecret,
      token: this.token,
      encodingAesKey: this.encodingAesKey,
      ghId: this.ghId,
    } = identity);
    this.crypto = new MessageCrypto(identity.encodingAesKey, identity.appid);
  }

  get clock(): SimClock {
    return this.env.clock;
  }

  snapshot(): AccountState {
    return {
      appid: this.appid,
      appsecret: this.appsecret,
      token: this.token,
      encodingAesKey: this.encodingAesKey,
      ghId: this.ghId,
      webhookUrl: this.webhookUrl,
      mode: this.mode,
      oauthDomains: [...this.oauthDomains],
      menu: this.menu,
      // The newest thousand: what the phone view shows, without growing the file forever.
      sentMessages: this.sentMessages.slice(-1000),
      tags: [...this.tags.values()],
      nextTagId: this.nextTagId,
      qrcodes: [...this.qrcodes.values()],
      visitor: this.visitor?.openid,
      followers: [...this.byOpenid.values()].map((f) => ({
        openid: f.openid,
        unionid: f.unionid,
        subscribed: f.subscribed,
        subscribeTime: f.subscribeTime,
        unsubscribeTime: f.unsubscribeTime,
        subscribeScene: f.subscribeScene,
        qrScene: f.qrScene,
        qrSceneStr: f.qrSceneStr,
        remark: f.remark,
        tagIds: [...f.tagIds],
        window: f.window.snapshot(),
        ...(f.blacklisted ? { blacklisted: true } : {}),
      })),
      order: [...this.order],
    };
  }

  /** Loads the platform state of a saved account (its identity was given to the constructor). */
  restore(state: AccountState): void {
    this.webhookUrl = state.webhookUrl;
    this.mode = state.mode;
    this.oauthDomains = [...state.oauthDomains];
    this.menu = state.menu ?? null;
    this.sentMessages.push(...state.sentMessages);
    this.tags.clear();
    for (const tag of state.tags) this.tags.set(tag.id, { ...tag });
    this.nextTagId = state.nextTagId;
    for (const qr of state.qrcodes) this.qrcodes.set(qr.ticket, { ...qr });
    for (const saved of state.followers) {
      const person = this.env.person(saved.unionid);
      if (!person)
        throw new Error(`state file: follower ${saved.openid} names unknown person ${saved.unionid}`);
      const f = this.add(saved.openid, person);
      f.subscribed = saved.subscribed;
      if (f.subscribed) this.subscribedCount++;
      f.subscribeTime = saved.subscribeTime ?? undefined;
      f.unsubscribeTime = saved.unsubscribeTime ?? undefined;
      f.subscribeScene = saved.subscribeScene;
      f.qrScene = saved.qrScene;
      f.qrSceneStr = saved.qrSceneStr;
      f.remark = saved.remark;
      f.tagIds = [...saved.tagIds];
      f.blacklisted = saved.blacklisted === true;
      f.window.restore(saved.window);
    }
    for (const openid of state.order) {
      this.orderIndex.set(openid, this.order.length);
      this.order.push(openid);
    }
    this.visitor = state.visitor !== undefined ? this.byOpenid.get(state.visitor) : undefined;
  }

  follower(openidOrPerson?: string | SimPerson): Follower {
    if (openidOrPerson === undefined) return this.followerOf(this.env.createPerson());
    if (typeof openidOrPerson === 'string') {
      const known = this.byOpenid.get(openidOrPerson);
      if (known) return known;
      if (!OPENID_SHAPE.test(openidOrPerson)) {
        throw new SimulatorError(
          'invalid',
          `openid must be 1 to 64 of [A-Za-z0-9_-] (got ${JSON.stringify(openidOrPerson)})`,
        );
      }
      // A chosen openid (fixtures like "oUSER1"): a new person this account knows by it.
      return this.add(openidOrPerson, this.env.createPerson());
    }
    const person = this.env.person(openidOrPerson.unionid);
    if (!person) throw new SimulatorError('not_found', `no person with unionid ${openidOrPerson.unionid}`);
    return this.followerOf(person);
  }

  /** The follower for an openid this account issued, if any. */
  find(openid: string): Follower | undefined {
    return this.byOpenid.get(openid);
  }

  /** The openid this account sees for a person, creating it on first sight. */
  followerOf(person: Person): Follower {
    return this.byUnionid.get(person.unionid) ?? this.add(this.env.newOpenId(this.appid, person), person);
  }

  followers(): string[] {
    return this.order.filter((openid) => this.byOpenid.get(openid)?.subscribed);
  }

  /** How many currently follow (user/get `total`). */
  get followerCount(): number {
    return this.subscribedCount;
  }

  /**
   * One page of user/get (§6.3): up to `limit` current followers after `nextOpenid` in follow order.
   * Returns undefined when `nextOpenid` is not an openid of this account.
   */
  followerPage(nextOpenid: string | undefined, limit: number): string[] | undefined {
    let start = 0;
    if (nextOpenid !== undefined && nextOpenid !== '') {
      const index = this.orderIndex.get(nextOpenid);
      if (index === undefined) return this.byOpenid.has(nextOpenid) ? [] : undefined;
      start = index + 1;
    }
    const page: string[] = [];
    for (let i = start; i < this.order.length && page.length < limit; i++) {
      const openid = this.order[i] as string;
      if (this.byOpenid.get(openid)?.subscribed) page.push(openid);
    }
    return page;
  }

  seedFollowers(count: number): Follower[] {
    if (!Number.isInteger(count) || count < 0)
      throw new SimulatorError('invalid', `count must be a whole number`);
    const now = unixSeconds(this.env.clock);
    const seeded: Follower[] = [];
    for (let i = 0; i < count; i++) {
      const follower = this.followerOf(this.env.createPerson());
      this.markSubscribed(follower, now, undefined, undefined, 'ADD_SCENE_SEARCH');
      seeded.push(follower);
    }
    this.env.changed();
    return seeded;
  }

  push(xml: string, opts: PushOptions = {}): Promise<PushResult> {
    return this.deliver(xml, opts);
  }

  /**
   * Applies what the inbound means on WeChat's side (following set, service window) — once, before the
   * first delivery, whatever the webhook answers — then delivers it. A tampered push is a forgery, not
   * something a user did, so it changes nothing.
   */
  deliver(
    xml: string,
    opts: PushOptions = {},
    hints: { subscribeScene?: string | undefined } = {},
  ): Promise<PushResult> {
    if (!opts.tamper) {
      this.applyEffects(xml, hints.subscribeScene);
      this.env.changed();
    }
    const via = this.pushVia;
    const target = via ? { ghId: this.ghId, mode: 'safe' as const, ...via } : this;
    return deliverPush(target, xml, opts, this.env.push);
  }

  nextMsgId(): string {
    return this.env.msgIds.take();
  }

  /**
   * The QR code a follower action refers to: a ticket from qrcode/create, else the newest live code with
   * that scene (a number means scene_id, a string scene_str), else a permanent code made on the spot.
   */
  resolveQr(sceneOrTicket: string | number): QrCode {
    const now = this.env.clock.now();
    const byTicket = typeof sceneOrTicket === 'string' ? this.qrcodes.get(sceneOrTicket) : undefined;
    if (byTicket) {
      if (byTicket.expiresAt !== undefined && now >= byTicket.expiresAt) {
        throw new SimulatorError(
          'conflict',
          'the QR code has expired: WeChat shows "二维码已过期" and pushes nothing',
        );
      }
      return byTicket;
    }
    if (typeof sceneOrTicket === 'number' && (!Number.isInteger(sceneOrTicket) || sceneOrTicket < 0)) {
      throw new SimulatorError('invalid', `scene_id must be a whole number (got ${sceneOrTicket})`);
    }
    const wanted =
      typeof sceneOrTicket === 'number' ? { sceneId: sceneOrTicket } : { sceneStr: sceneOrTicket };
    const key = sceneKey(wanted);
    const live = [...this.qrcodes.values()]
      .reverse()
      .find((qr) => sceneKey(qr) === key && (qr.expiresAt === undefined || now < qr.expiresAt));
    if (live) return live;
    const made: QrCode = {
      ticket: newTicket(),
      url: newQrUrl(),
      actionName: typeof sceneOrTicket === 'number' ? 'QR_LIMIT_SCENE' : 'QR_LIMIT_STR_SCENE',
      ...wanted,
    };
    this.qrcodes.set(made.ticket, made);
    this.env.changed();
    return made;
  }

  private add(openid: string, person: Person): Follower {
    const follower = new Follower(this, openid, person);
    this.byOpenid.set(openid, follower);
    this.byUnionid.set(person.unionid, follower);
    this.env.changed();
    return follower;
  }

  private applyEffects(xml: string, subscribeScene: string | undefined): void {
    let fields: Record<string, unknown>;
    try {
      fields = parseWechatXml(xml);
    } catch {
      return;
    }
    const follower = this.byOpenid.get(field(fields, 'FromUserName') ?? '');
    if (!follower) return;
    const now = this.env.clock.now();
    if (field(fields, 'MsgType') !== 'event') {
      follower.window.onMessage(now);
      return;
    }
    const createTime = Number(field(fields, 'CreateTime'));
    const seconds = Number.isInteger(createTime) && createTime > 0 ? createTime : unixSeconds(this.env.clock);
    // Event names are mixed case on the wire (§3.1).
    switch ((field(fields, 'Event') ?? '').toLowerCase()) {
      case 'subscribe':
        this.markSubscribed(
          follower,
          seconds,
          field(fields, 'EventKey'),
          field(fields, 'Ticket'),
          subscribeScene,
        );
        follower.window.onEvent(now);
        break;
      case 'unsubscribe':
        if (follower.subscribed) this.subscribedCount--;
        follower.subscribed = false;
        follower.unsubscribeTime = seconds;
        follower.window.close();
        break;
      // Only these menu events open the window (§6.7), as do follows and scans.
      case 'scan':
      case 'click':
      case 'scancode_push':
      case 'scancode_waitmsg':
        follower.window.onEvent(now);
        break;
      default:
        break;
    }
  }

  private markSubscribed(
    follower: Follower,
    seconds: number,
    eventKey: string | undefined,
    ticket: string | undefined,
    subscribeScene: string | undefined,
  ): void {
    if (!follower.subscribed) this.subscribedCount++;
    follower.subscribed = true;
    follower.subscribeTime = seconds;
    follower.unsubscribeTime = undefined;
    if (!this.orderIndex.has(follower.openid)) {
      this.orderIndex.set(follower.openid, this.order.length);
      this.order.push(follower.openid);
    }
    const scene = eventKey?.startsWith('qrscene_') ? eventKey.slice('qrscene_'.length) : undefined;
    if (scene === undefined) {
      follower.subscribeScene = subscribeScene ?? 'ADD_SCENE_SEARCH';
      follower.qrScene = 0;
      follower.qrSceneStr = '';
      return;
    }
    // §6.2: QR follows show ADD_SCENE_QR_CODE with the code's scene_id or scene_str.
    const qr = ticket !== undefined ? this.qrcodes.get(ticket) : undefined;
    follower.subscribeScene = 'ADD_SCENE_QR_CODE';
    if (qr) {
      follower.qrScene = qr.sceneId ?? 0;
      follower.qrSceneStr = qr.sceneStr ?? '';
    } else if (/^\d+$/.test(scene)) {
      follower.qrScene = Number(scene);
      follower.qrSceneStr = '';
    } else {
      follower.qrScene = 0;
      follower.qrSceneStr = scene;
    }
  }
}
