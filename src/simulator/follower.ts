import { unixSeconds } from './clock.js';
import type { Person } from './person.js';
import { sceneValue } from './qrcode.js';
import { ServiceWindow } from './service-window.js';
import { SimulatorError } from './simulator-error.js';
import type { PushResult, SimFollower } from './types.js';
import { buildXml, type XmlValue } from './xml.js';
import type { Account } from './account.js';

/**
 * A person as one account knows them, with the platform state WeChat keeps for the pair (§6.2): following,
 * subscribe_time, subscribe_scene, qr_scene(_str), remark, tags, and the customer-service window (§6.7).
 * Actions build the XML of §3.2/§3.3 and push it through the account.
 */
export class Follower implements SimFollower {
  subscribed = false;
  /** Unix seconds of the last follow. */
  subscribeTime: number | undefined;
  unsubscribeTime: number | undefined;
  subscribeScene = 'ADD_SCENE_OTHERS';
  qrScene = 0;
  qrSceneStr = '';
  remark = '';
  tagIds: number[] = [];
  /** On the account's blacklist (§6.4b). */
  blacklisted = false;
  readonly language = 'zh_CN';
  readonly window = new ServiceWindow();

  constructor(
    private readonly account: Account,
    readonly openid: string,
    readonly person: Person,
  ) {}

  get unionid(): string {
    return this.person.unionid;
  }

  follow(
    opts: { scene?: string | number | undefined; subscribeScene?: string | undefined } = {},
  ): Promise<PushResult> {
    if (this.subscribed)
      throw new SimulatorError('conflict', `${this.openid} already follows ${this.account.appid}`);
    const qr = opts.scene !== undefined ? this.account.resolveQr(opts.scene) : undefined;
    const xml = this.event('subscribe', {
      // A plain follow carries an empty EventKey, one of the two forms §3.3 allows.
      EventKey: qr ? `qrscene_${sceneValue(qr)}` : '',
      Ticket: qr?.ticket,
    });
    return this.account.deliver(xml, {}, { subscribeScene: opts.subscribeScene });
  }

  scan(scene: string | number): Promise<PushResult> {
    this.mustFollow('scan a QR code as a follower (SCAN); use follow({ scene }) to follow through it');
    const qr = this.account.resolveQr(scene);
    return this.account.deliver(this.event('SCAN', { EventKey: sceneValue(qr), Ticket: qr.ticket }));
  }

  unfollow(): Promise<PushResult> {
    this.mustFollow('unfollow');
    return this.account.deliver(this.event('unsubscribe', {}));
  }

  sendText(content: string, opts: { bizmsgmenuid?: string | undefined } = {}): Promise<PushResult> {
    this.mustFollow('send a message');
    const xml = buildXml({
      ...this.header('text'),
      Content: content,
      MsgId: { bare: this.account.nextMsgId() },
      bizmsgmenuid: opts.bizmsgmenuid !== undefined ? { bare: opts.bizmsgmenuid } : undefined,
    });
    return this.account.deliver(xml);
  }

  click(key: string): Promise<PushResult> {
    this.mustFollow('click a menu');
    return this.account.deliver(this.event('CLICK', { EventKey: key }));
  }

  /** Taps a `view` menu button: a VIEW event whose EventKey is the URL (§3.3); opens no window. */
  view(url: string): Promise<PushResult> {
    this.mustFollow('tap a menu link');
    return this.account.deliver(this.event('VIEW', { EventKey: url }));
  }

  private mustFollow(action: string): void {
    if (!this.subscribed) {
      throw new SimulatorError(
        'conflict',
        `${this.openid} does not follow ${this.account.appid}, so cannot ${action}`,
      );
    }
  }

  private header(msgType: string): Record<string, XmlValue> {
    return {
      ToUserName: this.account.ghId,
      FromUserName: this.openid,
      CreateTime: unixSeconds(this.account.clock),
      MsgType: msgType,
    };
  }

  private event(name: string, extra: Record<string, XmlValue>): string {
    return buildXml({ ...this.header('event'), Event: name, ...extra });
  }
}
