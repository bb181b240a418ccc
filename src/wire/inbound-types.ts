/**
 * The typed inbound push (WECHAT-PROTOCOL.md §3): one discriminated union on `MsgType` and `Event`, with
 * WeChat's element names verbatim so each type can be checked line by line against the protocol.
 *
 * Mapping rules: an element becomes a property of the same name; an element that may repeat (`PicList/item`,
 * `List`, `ResultList/item`) is always an array and its wrapper stays an object; the numeric fields of §3.1
 * are numbers, everything else is a string (`MsgId` included: it is 64-bit).
 */

/** Normal message kinds (§3.2). The table drives the `MsgType` union, filter names and runtime checks. */
export const MESSAGE_TYPES = ['text', 'image', 'voice', 'video', 'shortvideo', 'location', 'link'] as const;

/** Event kinds in the protocol's canonical spelling (§3.3); pushes are matched case-insensitively. */
export const EVENT_TYPES = [
  'subscribe',
  'unsubscribe',
  'SCAN',
  'LOCATION',
  'CLICK',
  'VIEW',
  'scancode_push',
  'scancode_waitmsg',
  'pic_sysphoto',
  'pic_photo_or_album',
  'pic_weixin',
  'location_select',
  'view_miniprogram',
  'TEMPLATESENDJOBFINISH',
  'MASSSENDJOBFINISH',
  'subscribe_msg_popup_event',
  'subscribe_msg_change_event',
  'subscribe_msg_sent_event',
  'kf_create_session',
  'kf_close_session',
  'kf_switch_session',
] as const;

/** A normal message kind: `'text' | 'image' | …`. */
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** A canonical event name: `'subscribe' | 'SCAN' | …`. */
export type EventType = (typeof EVENT_TYPES)[number];

/** The fields every push carries (§3.1). */
export interface InboundHeader {
  /** The account's original ID (`gh_…`). */
  ToUserName: string;
  /** The sender's OpenID. */
  FromUserName: string;
  /** Unix seconds. */
  CreateTime: number;
}

interface MessageCommon extends InboundHeader {
  /** 64-bit, so a string (§3.1); a `MsgID` spelling is normalised to `MsgId`. */
  MsgId: string;
  /** Present when the message was sent from an article. */
  MsgDataId?: string;
  /** Article index, when sent from an article; left out when WeChat sends a non-number. */
  Idx?: number;
}

/** A text message. */
export interface TextMessage extends MessageCommon {
  MsgType: 'text';
  Content: string;
  /** The tapped item's id when the text is a tap on a customer-service `msgmenu` (§6.7). */
  bizmsgmenuid?: string;
}

/** An image message. */
export interface ImageMessage extends MessageCommon {
  MsgType: 'image';
  PicUrl: string;
  MediaId: string;
}

/** A voice message; `Recognition` only with the legacy speech-recognition switch, and unreliable (§3.2). */
export interface VoiceMessage extends MessageCommon {
  MsgType: 'voice';
  MediaId: string;
  Format: string;
  MediaId16K?: string;
  Recognition?: string;
}

/** A video or short-video message (identical but for `MsgType`). */
export interface VideoMessage<
  T extends 'video' | 'shortvideo' = 'video' | 'shortvideo',
> extends MessageCommon {
  MsgType: T;
  MediaId: string;
  ThumbMediaId: string;
}

/** A location the user sent. */
export interface LocationMessage extends MessageCommon {
  MsgType: 'location';
  /** Latitude. */
  Location_X: number;
  /** Longitude. */
  Location_Y: number;
  Scale: number;
  Label: string;
}

/** A link the user shared. */
export interface LinkMessage extends MessageCommon {
  MsgType: 'link';
  Title: string;
  Description: string;
  Url: string;
}

/** Any normal (non-event) message of a known kind. */
export type NormalMessage =
  | TextMessage
  | ImageMessage
  | VoiceMessage
  | VideoMessage<'video'>
  | VideoMessage<'shortvideo'>
  | LocationMessage
  | LinkMessage;

interface EventCommon extends InboundHeader {
  MsgType: 'event';
}

/** A follow; through a parametric QR code `EventKey` is `qrscene_<scene>` and `Ticket` is set. */
export interface SubscribeEvent extends EventCommon {
  Event: 'subscribe';
  EventKey?: string;
  Ticket?: string;
}

/** An unfollow. */
export interface UnsubscribeEvent extends EventCommon {
  Event: 'unsubscribe';
  EventKey?: string;
}

/** A follower scanned a parametric QR code; `EventKey` is the scene without the `qrscene_` prefix. */
export interface ScanEvent extends EventCommon {
  Event: 'SCAN';
  EventKey: string;
  Ticket?: string;
}

/** An automatic location report. */
export interface LocationEvent extends EventCommon {
  Event: 'LOCATION';
  Latitude: number;
  Longitude: number;
  Precision: number;
}

/** A `click` menu button; `EventKey` is the button's key. */
export interface ClickEvent extends EventCommon {
  Event: 'CLICK';
  EventKey: string;
}

/** A `view` (URL) or `miniprogram` menu button; `MenuId` tells which conditional menu. */
export interface ViewEvent<
  E extends 'VIEW' | 'view_miniprogram' = 'VIEW' | 'view_miniprogram',
> extends EventCommon {
  Event: E;
  /** The URL, or the mini-program page path. */
  EventKey: string;
  MenuId?: number;
}

/** A scan-code menu button. */
export interface ScancodeEvent<
  E extends 'scancode_push' | 'scancode_waitmsg' = 'scancode_push' | 'scancode_waitmsg',
> extends EventCommon {
  Event: E;
  EventKey: string;
  ScanCodeInfo: { ScanType: string; ScanResult: string };
}

/** A send-pictures menu button. */
export interface PicEvent<
  E extends 'pic_sysphoto' | 'pic_photo_or_album' | 'pic_weixin' =
    'pic_sysphoto' | 'pic_photo_or_album' | 'pic_weixin',
> extends EventCommon {
  Event: E;
  EventKey: string;
  SendPicsInfo: { Count: number; PicList: { item: { PicMd5Sum: string }[] } };
}

/** A send-location menu button (the coordinates arrive in CDATA; they are numbers here all the same). */
export interface LocationSelectEvent extends EventCommon {
  Event: 'location_select';
  EventKey: string;
  SendLocationInfo: {
    Location_X: number;
    Location_Y: number;
    Scale: number;
    Label: string;
    Poiname?: string;
  };
}

/** A template message's delivery result; `MsgID` is the id `message/template/send` returned. */
export interface TemplateSendJobFinishEvent extends EventCommon {
  Event: 'TEMPLATESENDJOBFINISH';
  MsgID: string;
  /** `success`, `failed:user block`, `failed: system failed`, … */
  Status: string;
}

/** One entry of a mass send's copyright check (fields as sent, all strings). */
export interface CopyrightCheckItem {
  ArticleIdx?: string;
  UserDeclareState?: string;
  AuditState?: string;
  OriginalArticleUrl?: string;
  OriginalArticleType?: string;
  CanReprint?: string;
  NeedReplaceContent?: string;
  NeedShowReprintSource?: string;
}

/** A mass send's result. */
export interface MassSendJobFinishEvent extends EventCommon {
  Event: 'MASSSENDJOBFINISH';
  MsgID: string;
  /** `send success`, `send fail`, `err(<code>)`. */
  Status: string;
  TotalCount: number;
  FilterCount: number;
  SentCount: number;
  ErrorCount: number;
  CopyrightCheckResult?: { Count: string; ResultList: { item: CopyrightCheckItem[] }; CheckState: string };
  ArticleUrlResult?: { Count: string; ResultList: { item: { ArticleIdx: string; ArticleUrl: string }[] } };
}

/** The user answered a subscription-message prompt. */
export interface SubscribeMsgPopupEvent extends EventCommon {
  Event: 'subscribe_msg_popup_event';
  SubscribeMsgPopupEvent: {
    List: { TemplateId: string; SubscribeStatusString: string; PopupScene: number }[];
  };
}

/** The user changed a subscription-message choice in settings (read from either wrapper name, §3.3). */
export interface SubscribeMsgChangeEvent extends EventCommon {
  Event: 'subscribe_msg_change_event';
  SubscribeMsgChangeEvent: { List: { TemplateId: string; SubscribeStatusString: string }[] };
}

/** A subscription message's delivery result. */
export interface SubscribeMsgSentEvent extends EventCommon {
  Event: 'subscribe_msg_sent_event';
  SubscribeMsgSentEvent: {
    List: { TemplateId: string; MsgID: string; ErrorCode: number; ErrorStatus: string }[];
  };
}

/** A customer-service session was opened or closed by an agent. */
export interface KfSessionEvent<
  E extends 'kf_create_session' | 'kf_close_session' = 'kf_create_session' | 'kf_close_session',
> extends EventCommon {
  Event: E;
  KfAccount: string;
}

/** A customer-service session moved to another agent. */
export interface KfSwitchSessionEvent extends EventCommon {
  Event: 'kf_switch_session';
  FromKfAccount: string;
  ToKfAccount: string;
}

/** Any event of a known kind. */
export type KnownEvent =
  | SubscribeEvent
  | UnsubscribeEvent
  | ScanEvent
  | LocationEvent
  | ClickEvent
  | ViewEvent<'VIEW'>
  | ViewEvent<'view_miniprogram'>
  | ScancodeEvent<'scancode_push'>
  | ScancodeEvent<'scancode_waitmsg'>
  | PicEvent<'pic_sysphoto'>
  | PicEvent<'pic_photo_or_album'>
  | PicEvent<'pic_weixin'>
  | LocationSelectEvent
  | TemplateSendJobFinishEvent
  | MassSendJobFinishEvent
  | SubscribeMsgPopupEvent
  | SubscribeMsgChangeEvent
  | SubscribeMsgSentEvent
  | KfSessionEvent<'kf_create_session'>
  | KfSessionEvent<'kf_close_session'>
  | KfSwitchSessionEvent;

/**
 * An event this version does not know. `fields` holds every child element but the header, `MsgType` and
 * `Event`, as parsed (strings, or objects for nested elements).
 */
export interface UnknownEvent extends EventCommon {
  Event: 'unknown';
  OriginalEvent: string;
  fields: Record<string, unknown>;
}

/** A message of a kind this version does not know; `fields` as for {@link UnknownEvent}. */
export interface UnknownMessage extends InboundHeader {
  MsgType: 'unknown';
  OriginalMsgType: string;
  fields: Record<string, unknown>;
}

/** Any event push. */
export type EventMessage = KnownEvent | UnknownEvent;

/** Every push WeChat delivers, after decryption: narrow on `MsgType`, then on `Event`. */
export type InboundMessage = NormalMessage | EventMessage | UnknownMessage;

/** The known event of a given canonical name. */
export type EventOf<E extends EventType> = Extract<KnownEvent, { Event: E }>;

/** The known message of a given kind. */
export type MessageOf<T extends MessageType> = Extract<NormalMessage, { MsgType: T }>;

// The tables and the union must name the same kinds; these fail to compile when one drifts from the other.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type _MessageTableMatchesUnion = Assert<Same<NormalMessage['MsgType'], MessageType>>;
type _EventTableMatchesUnion = Assert<Same<KnownEvent['Event'], EventType>>;
