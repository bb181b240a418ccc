import {
  EVENT_TYPES,
  MESSAGE_TYPES,
  type CopyrightCheckItem,
  type EventOf,
  type EventType,
  type InboundHeader,
  type InboundMessage,
  type KnownEvent,
  type MessageOf,
  type MessageType,
  type NormalMessage,
  type ViewEvent,
} from './inbound-types.js';
import { readWechatXml, xmlError, type XmlObject } from './xml-read.js';

const MESSAGE_BY_LOWER = new Map<string, MessageType>(MESSAGE_TYPES.map((t) => [t, t]));
// §3.1: Event values are mixed-case (`subscribe`, `SCAN`); like wechatpy, match them ignoring case.
const EVENT_BY_LOWER = new Map<string, EventType>(EVENT_TYPES.map((e) => [e.toLowerCase(), e]));

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const UNSIGNED = /^\d+$/;

/** Typed access to one element's children; `what` names the element in error messages. */
class Fields {
  constructor(
    private readonly x: XmlObject,
    private readonly what: string,
  ) {}

  optText(name: string): string | undefined {
    const v = this.x[name];
    if (v === undefined || typeof v === 'string') return v;
    throw xmlError(`<${name}> of the ${this.what} must be a single text element`);
  }

  text(name: string): string {
    const v = this.optText(name);
    if (v === undefined) throw xmlError(`the ${this.what} lacks <${name}>`);
    return v;
  }

  /** Absent or not a number → undefined: an optional field never fails a push WeChat will retry. */
  optNumber(name: string): number | undefined {
    const v = this.optText(name)?.trim();
    return v !== undefined && DECIMAL.test(v) ? Number(v) : undefined;
  }

  number(name: string): number {
    const v = this.text(name).trim();
    if (!DECIMAL.test(v)) throw xmlError(`<${name}> of the ${this.what} must be a number (got '${v}')`);
    return Number(v);
  }

  /** A nested element; an empty one (`<X/>`) reads as having no children. */
  optChild(name: string): Fields | undefined {
    const v = this.x[name];
    if (v === undefined) return undefined;
    return this.asFields(v, name);
  }

  child(name: string): Fields {
    const v = this.optChild(name);
    if (v === undefined) throw xmlError(`the ${this.what} lacks <${name}>`);
    return v;
  }

  /** A child that may repeat: always an array, one element or many (§3.1). */
  list(name: string): Fields[] {
    const v = this.x[name];
    if (v === undefined) return [];
    return Array.isArray(v) ? v.map((e) => this.asFields(e, name)) : [this.asFields(v, name)];
  }

  /** Every text child, as sent. */
  texts(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.x)) if (typeof v === 'string') out[k] = v;
    return out;
  }

  private asFields(v: unknown, name: string): Fields {
    if (v === '') return new Fields({}, `<${name}>`);
    if (typeof v === 'object' && v !== null && !Array.isArray(v))
      return new Fields(v as XmlObject, `<${name}>`);
    throw xmlError(`<${name}> of the ${this.what} must be an element with children`);
  }
}

/**
 * Adds `fields` to `base`, a fresh object built by a literal. Never `{ ...base, ...fields }` on this path:
 * V8 (Node 20) gives a spread's clone a map without transitions, so the spread with extra properties, or
 * any property added to a clone, made a new map each time: about 1 µs each, three per push.
 */
function extend<B extends object, X extends object>(base: B, fields: X): B & X {
  return Object.assign(base, fields);
}

/** Sets an optional property only when there is a value (`exactOptionalPropertyTypes`). */
function setOptional<T, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

type MessageBase<T extends MessageType> = Pick<MessageOf<T>, keyof InboundHeader | 'MsgType' | 'MsgId'>;
type EventBase<E extends EventType> = InboundHeader & { MsgType: 'event'; Event: E };

const MESSAGE_READERS: { [T in MessageType]: (f: Fields, base: MessageBase<T>) => MessageOf<T> } = {
  text: (f, base) => {
    const m: MessageOf<'text'> = extend(base, { Content: f.text('Content') });
    setOptional(m, 'bizmsgmenuid', f.optText('bizmsgmenuid'));
    return m;
  },
  image: (f, base) => extend(base, { PicUrl: f.text('PicUrl'), MediaId: f.text('MediaId') }),
  voice: (f, base) => {
    const m: MessageOf<'voice'> = extend(base, { MediaId: f.text('MediaId'), Format: f.text('Format') });
    setOptional(m, 'MediaId16K', f.optText('MediaId16K'));
    setOptional(m, 'Recognition', f.optText('Recognition'));
    return m;
  },
  video: (f, base) => extend(base, { MediaId: f.text('MediaId'), ThumbMediaId: f.text('ThumbMediaId') }),
  shortvideo: (f, base) => extend(base, { MediaId: f.text('MediaId'), ThumbMediaId: f.text('ThumbMediaId') }),
  location: (f, base) =>
    extend(base, {
      Location_X: f.number('Location_X'),
      Location_Y: f.number('Location_Y'),
      Scale: f.number('Scale'),
      Label: f.text('Label'),
    }),
  link: (f, base) =>
    extend(base, { Title: f.text('Title'), Description: f.text('Description'), Url: f.text('Url') }),
};

const viewEvent = <E extends 'VIEW' | 'view_miniprogram'>(f: Fields, base: EventBase<E>): ViewEvent<E> => {
  const e: ViewEvent<E> = extend(base, { EventKey: f.text('EventKey') });
  setOptional(e, 'MenuId', f.optNumber('MenuId'));
  return e;
};

const scancodeEvent = <E extends 'scancode_push' | 'scancode_waitmsg'>(f: Fields, base: EventBase<E>) => {
  const info = f.child('ScanCodeInfo');
  return extend(base, {
    EventKey: f.text('EventKey'),
    ScanCodeInfo: { ScanType: info.text('ScanType'), ScanResult: info.text('ScanResult') },
  });
};

const picEvent = <E extends 'pic_sysphoto' | 'pic_photo_or_album' | 'pic_weixin'>(
  f: Fields,
  base: EventBase<E>,
) => {
  const info = f.child('SendPicsInfo');
  const items = info.optChild('PicList')?.list('item') ?? [];
  return extend(base, {
    EventKey: f.text('EventKey'),
    SendPicsInfo: {
      Count: info.number('Count'),
      PicList: { item: items.map((i) => ({ PicMd5Sum: i.text('PicMd5Sum') })) },
    },
  });
};

const kfSessionEvent = <E extends 'kf_create_session' | 'kf_close_session'>(f: Fields, base: EventBase<E>) =>
  extend(base, { KfAccount: f.text('KfAccount') });

/** Job-finish events spell it `MsgID`; accept `MsgId` too (§3.1). */
const jobId = (f: Fields): string => {
  const id = f.optText('MsgID') ?? f.optText('MsgId');
  if (id === undefined) throw xmlError('the job-finish event lacks <MsgID>');
  return id.trim();
};

const EVENT_READERS: { [E in EventType]: (f: Fields, base: EventBase<E>) => EventOf<E> } = {
  subscribe: (f, base) => {
    const e: EventOf<'subscribe'> = base;
    setOptional(e, 'EventKey', f.optText('EventKey'));
    setOptional(e, 'Ticket', f.optText('Ticket'));
    return e;
  },
  unsubscribe: (f, base) => {
    const e: EventOf<'unsubscribe'> = base;
    setOptional(e, 'EventKey', f.optText('EventKey'));
    return e;
  },
  SCAN: (f, base) => {
    const e: EventOf<'SCAN'> = extend(base, { EventKey: f.text('EventKey') });
    setOptional(e, 'Ticket', f.optText('Ticket'));
    return e;
  },
  LOCATION: (f, base) =>
    extend(base, {
      Latitude: f.number('Latitude'),
      Longitude: f.number('Longitude'),
      Precision: f.number('Precision'),
    }),
  CLICK: (f, base) => extend(base, { EventKey: f.text('EventKey') }),
  VIEW: viewEvent,
  view_miniprogram: viewEvent,
  scancode_push: scancodeEvent,
  scancode_waitmsg: scancodeEvent,
  pic_sysphoto: picEvent,
  pic_photo_or_album: picEvent,
  pic_weixin: picEvent,
  location_select: (f, base) => {
    const info = f.child('SendLocationInfo');
    const location: EventOf<'location_select'>['SendLocationInfo'] = {
      Location_X: info.number('Location_X'),
      Location_Y: info.number('Location_Y'),
      Scale: info.number('Scale'),
      Label: info.text('Label'),
    };
    setOptional(location, 'Poiname', info.optText('Poiname'));
    return extend(base, { EventKey: f.text('EventKey'), SendLocationInfo: location });
  },
  TEMPLATESENDJOBFINISH: (f, base) => extend(base, { MsgID: jobId(f), Status: f.text('Status') }),
  MASSSENDJOBFINISH: (f, base) => {
    const e: EventOf<'MASSSENDJOBFINISH'> = extend(base, {
      MsgID: jobId(f),
      Status: f.text('Status'),
      TotalCount: f.number('TotalCount'),
      FilterCount: f.number('FilterCount'),
      SentCount: f.number('SentCount'),
      ErrorCount: f.number('ErrorCount'),
    });
    // §3.1 lists no number inside these two blocks, so their values stay strings.
    const copyright = f.optChild('CopyrightCheckResult');
    if (copyright !== undefined) {
      e.CopyrightCheckResult = {
        Count: copyright.optText('Count') ?? '',
        ResultList: {
          item: (copyright.optChild('ResultList')?.list('item') ?? []).map(
            (i) => i.texts() as CopyrightCheckItem,
          ),
        },
        CheckState: copyright.optText('CheckState') ?? '',
      };
    }
    const urls = f.optChild('ArticleUrlResult');
    if (urls !== undefined) {
      e.ArticleUrlResult = {
        Count: urls.optText('Count') ?? '',
        ResultList: {
          item: (urls.optChild('ResultList')?.list('item') ?? []).map((i) => ({
            ArticleIdx: i.text('ArticleIdx'),
            ArticleUrl: i.text('ArticleUrl'),
          })),
        },
      };
    }
    return e;
  },
  subscribe_msg_popup_event: (f, base) =>
    extend(base, {
      SubscribeMsgPopupEvent: {
        List: (f.optChild('SubscribeMsgPopupEvent')?.list('List') ?? []).map((i) => ({
          TemplateId: i.text('TemplateId'),
          SubscribeStatusString: i.text('SubscribeStatusString'),
          PopupScene: i.number('PopupScene'),
        })),
      },
    }),
  subscribe_msg_change_event: (f, base) =>
    extend(base, {
      SubscribeMsgChangeEvent: {
        // §3.3: the official example wraps this event's list in <SubscribeMsgPopupEvent>.
        List: (
          (f.optChild('SubscribeMsgChangeEvent') ?? f.optChild('SubscribeMsgPopupEvent'))?.list('List') ?? []
        ).map((i) => ({
          TemplateId: i.text('TemplateId'),
          SubscribeStatusString: i.text('SubscribeStatusString'),
        })),
      },
    }),
  subscribe_msg_sent_event: (f, base) =>
    extend(base, {
      SubscribeMsgSentEvent: {
        List: (f.optChild('SubscribeMsgSentEvent')?.list('List') ?? []).map((i) => ({
          TemplateId: i.text('TemplateId'),
          MsgID: i.text('MsgID').trim(),
          ErrorCode: i.number('ErrorCode'),
          ErrorStatus: i.text('ErrorStatus'),
        })),
      },
    }),
  kf_create_session: kfSessionEvent,
  kf_close_session: kfSessionEvent,
  kf_switch_session: (f, base) =>
    extend(base, { FromKfAccount: f.text('FromKfAccount'), ToKfAccount: f.text('ToKfAccount') }),
};

const HEADER_NAMES: ReadonlySet<string> = new Set(['ToUserName', 'FromUserName', 'CreateTime', 'MsgType']);

/** The children an unknown kind carries besides the header (and `Event`), as parsed. */
function otherFields(x: XmlObject, alsoSkip?: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) {
    if (!HEADER_NAMES.has(k) && k !== alsoSkip && k !== '#text') fields[k] = v;
  }
  return fields;
}

/**
 * Parses a decrypted push (§3) into the typed union. Throws WireError 'xml' for a declaration, a root other
 * than `<xml>`, a missing header field, or a known kind lacking a field WeChat always sends; a kind this
 * version does not know becomes an `unknown` member instead.
 */
export function parseInbound(xml: string): InboundMessage {
  const x = readWechatXml(xml);
  const push = new Fields(x, 'push');
  const createTime = push.text('CreateTime').trim();
  if (!UNSIGNED.test(createTime) || !Number.isSafeInteger(Number(createTime))) {
    throw xmlError(`<CreateTime> must be Unix seconds (got '${createTime}')`);
  }
  // Every object below is one literal: see extend().
  const toUser = push.text('ToUserName');
  const fromUser = push.text('FromUserName');
  const time = Number(createTime);
  const msgType = push.text('MsgType').trim();

  if (msgType.toLowerCase() === 'event') {
    const event = push.text('Event').trim();
    const canonical = EVENT_BY_LOWER.get(event.toLowerCase());
    if (canonical === undefined) {
      return {
        ToUserName: toUser,
        FromUserName: fromUser,
        CreateTime: time,
        MsgType: 'event',
        Event: 'unknown',
        OriginalEvent: event,
        fields: otherFields(x, 'Event'),
      };
    }
    const read = EVENT_READERS[canonical] as (f: Fields, base: EventBase<EventType>) => KnownEvent;
    const base: EventBase<EventType> = {
      ToUserName: toUser,
      FromUserName: fromUser,
      CreateTime: time,
      MsgType: 'event',
      Event: canonical,
    };
    return read(new Fields(x, `${canonical} event`), base);
  }

  const type = MESSAGE_BY_LOWER.get(msgType.toLowerCase());
  if (type === undefined) {
    return {
      ToUserName: toUser,
      FromUserName: fromUser,
      CreateTime: time,
      MsgType: 'unknown',
      OriginalMsgType: msgType,
      fields: otherFields(x),
    };
  }
  const f = new Fields(x, `${type} message`);
  const msgId = (f.optText('MsgId') ?? f.optText('MsgID'))?.trim();
  if (msgId === undefined || msgId === '') throw xmlError(`the ${type} message lacks <MsgId>`);
  const base: MessageBase<MessageType> & Partial<NormalMessage> = {
    ToUserName: toUser,
    FromUserName: fromUser,
    CreateTime: time,
    MsgType: type,
    MsgId: msgId,
  };
  setOptional(base, 'MsgDataId', f.optText('MsgDataId'));
  setOptional(base, 'Idx', f.optNumber('Idx'));
  const read = MESSAGE_READERS[type] as (f: Fields, base: MessageBase<MessageType>) => NormalMessage;
  return read(f, base);
}

/** The outer body of a compatible- or safe-mode push (§2.6). */
export interface Envelope {
  ToUserName?: string;
  /** Third-party-platform pushes name the account with `<AppId>` instead of `<ToUserName>`. */
  AppId?: string;
  /** The base64 ciphertext, exactly as received: it is part of `msg_signature`. */
  Encrypt: string;
}

/**
 * Reads `Encrypt` (and `ToUserName` / `AppId`) from an encrypted push: a flat safe-mode body never reaches
 * the XML parser (see readWechatXml).
 */
export function parseEnvelope(xml: string): Envelope {
  const values = readWechatXml(xml);
  const f = new Fields(values, 'encrypted push');
  const encrypt = f.optText('Encrypt')?.trim();
  if (encrypt === undefined || encrypt === '') {
    throw xmlError('the body has no <Encrypt> element (sent with encrypt_type=aes)');
  }
  const envelope: Envelope = { Encrypt: encrypt };
  setOptional(envelope, 'ToUserName', f.optText('ToUserName'));
  setOptional(envelope, 'AppId', f.optText('AppId'));
  return envelope;
}
