import type { Logger } from '../logger.js';
import type { FilterName, InboundMessage } from '../wire/index.js';
import { filterName, renderReply } from '../wire/index.js';
import type { Reply } from '../wire/reply-types.js';
import type { MessageFor } from './filter-queries.js';

/** What the dispatcher gives a context about the push it carries. */
export interface ContextOptions {
  /** AppID of the account the push was sent to. */
  appid: string;
  /** The push's dedup key (INTERFACE.md §3). */
  dedupKey: string;
  /** Parent logger; `ctx.log` is a child of it bound to the push's identity. */
  logger: Logger;
  /** Unix milliseconds; the reply's CreateTime is taken from it. */
  clock: () => number;
  /**
   * Receives the rendered reply exactly once. The dispatcher sends it right away (or hands it to the
   * late-reply sink when the budget has run out), so a handler may go on working after it replied.
   */
  onReply: (xml: string, reply: Reply) => void;
}

/**
 * The per-push context handlers receive (grammY's `ctx`). WeChat's names stay on `ctx.message`; the
 * camelCase conveniences (`openid`, `scene`) are derived from it on first use.
 */
export class Context {
  /** The inbound message or event, narrowed by `on()` / `hears()` / `click()` / `scene()`. */
  readonly message: InboundMessage;
  /** AppID of the account the push was sent to. */
  readonly appid: string;
  /** The push's dedup key: what identifies a retried delivery of it (INTERFACE.md §3). */
  readonly dedupKey: string;
  /** A bag for middleware to pass data down the chain; lives as long as this push. */
  readonly state: Record<string, unknown> = {};
  /** What `hears` / `click` / `scene` matched: the string, or the RegExp match. */
  match: string | RegExpMatchArray | undefined = undefined;

  readonly #options: ContextOptions;
  #replied = false;
  #scene: string | null | undefined = undefined;
  #log: Logger | undefined = undefined;

  constructor(message: InboundMessage, options: ContextOptions) {
    this.message = message;
    this.appid = options.appid;
    this.dedupKey = options.dedupKey;
    this.#options = options;
  }

  /** The sender's OpenID (`FromUserName`). */
  get openid(): string {
    return this.message.FromUserName;
  }

  /**
   * The QR scene of a follow or scan: `X` of a `subscribe` with EventKey `qrscene_X`, or the EventKey of a
   * `SCAN` (WECHAT-PROTOCOL.md §3.3); null for anything else.
   */
  get scene(): string | null {
    if (this.#scene === undefined) this.#scene = sceneOf(this.message);
    return this.#scene;
  }

  /** True once `reply()` was called. */
  get replied(): boolean {
    return this.#replied;
  }

  /** A logger bound to this push (appid, openid, type, dedup key); created on first use. */
  get log(): Logger {
    // A pino child costs a few microseconds: most pushes never log, so it is made on demand.
    this.#log ??= this.#options.logger.child(pushIdentity(this.appid, this.message, this.dedupKey));
    return this.#log;
  }

  /**
   * Answers the push with a passive reply; a string is a text reply. WeChat takes one reply per push
   * (WECHAT-PROTOCOL.md §4.1), so a second call throws. The reply is rendered now, so a reply that breaks
   * WeChat's rules (e.g. too many news articles) throws here, at the handler's line.
   */
  reply(reply: Reply | string): void {
    if (this.#replied) {
      throw new Error('ctx.reply() called twice: WeChat takes one passive reply per push');
    }
    const value: Reply = typeof reply === 'string' ? { type: 'text', content: reply } : reply;
    const m = this.message;
    const xml = renderReply(
      value,
      {
        ToUserName: m.FromUserName,
        FromUserName: m.ToUserName,
        CreateTime: Math.floor(this.#options.clock() / 1000),
      },
      m.MsgType === 'event' ? 'event' : 'message',
    );
    this.#replied = true;
    this.#options.onReply(xml, value);
  }
}

/** The fields that identify a push in logs: never a secret, never message content. */
export function pushIdentity(
  appid: string,
  m: InboundMessage,
  dedupKey: string,
): { appid: string; openid: string; msgType: string; event?: string; dedupKey: string } {
  return m.MsgType === 'event'
    ? { appid, openid: m.FromUserName, msgType: m.MsgType, event: m.Event, dedupKey }
    : { appid, openid: m.FromUserName, msgType: m.MsgType, dedupKey };
}

/**
 * How each kind of push that can come through a QR code names its scene (WECHAT-PROTOCOL.md §3.3), keyed by
 * the filter table's kinds: `X` of `qrscene_X` on a follow, the EventKey of a SCAN.
 */
const SCENE_READERS: {
  readonly [Q in 'event:subscribe' | 'event:scan']: (m: MessageFor<Q>) => string | null;
} = {
  'event:subscribe': (m) => {
    const key = m.EventKey;
    return key !== undefined && key.startsWith(QR_SCENE_PREFIX) && key.length > QR_SCENE_PREFIX.length
      ? key.slice(QR_SCENE_PREFIX.length)
      : null;
  },
  'event:scan': (m) => (m.EventKey ? m.EventKey : null),
};

/** `X` of `qrscene_X` on a subscribe, the EventKey of a SCAN, otherwise null. */
export function sceneOf(m: InboundMessage): string | null {
  const read = (SCENE_READERS as Partial<Record<FilterName, (m: InboundMessage) => string | null>>)[
    filterName(m)
  ];
  return read === undefined ? null : read(m);
}

/** A follow through a parametric QR code carries `qrscene_` + the scene (WECHAT-PROTOCOL.md §3.3). */
const QR_SCENE_PREFIX = 'qrscene_';
