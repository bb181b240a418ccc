import type { OAuthScope } from '../oauth/scope.js';

/**
 * Button types `menu/create` accepts (WECHAT-PROTOCOL.md §6.6). `view_limited` is the legacy form of
 * `article_view_limited`; `media_id` takes permanent non-news material only.
 */
export const MENU_BUTTON_TYPES = [
  'click',
  'view',
  'scancode_push',
  'scancode_waitmsg',
  'pic_sysphoto',
  'pic_photo_or_album',
  'pic_weixin',
  'location_select',
  'media_id',
  'article_id',
  'article_view_limited',
  'miniprogram',
  'view_limited',
] as const;

/** One of {@link MENU_BUTTON_TYPES}. */
export type MenuButtonType = (typeof MENU_BUTTON_TYPES)[number];

/** WeChat's menu limits (WECHAT-PROTOCOL.md §6.6); names and keys are measured in UTF-8 bytes. */
export const MENU_LIMITS = {
  topLevelButtons: 3,
  subButtons: 5,
  topLevelNameBytes: 16,
  subNameBytes: 60,
  keyBytes: 128,
  urlBytes: 1024,
} as const;

/**
 * A link through this server's OAuth flow, written in a menu file instead of a `url`; `wxoa menu push` turns
 * it into `$PUBLIC_URL/oauth/authorize?target=…&scope=…` so each visitor gets a fresh state (INTERFACE.md §6).
 */
export interface OAuthLink {
  readonly scope: OAuthScope;
  /** A path on this server, e.g. `/account`. */
  readonly target: string;
}

/** A button as `menu/create` takes it and `menu/get` returns it (WeChat's field names). */
export interface WechatMenuButton {
  readonly name: string;
  readonly type?: MenuButtonType;
  readonly key?: string;
  readonly url?: string;
  readonly media_id?: string;
  readonly article_id?: string;
  readonly appid?: string;
  readonly pagepath?: string;
  readonly sub_button?: readonly WechatMenuButton[];
}

/** The body of `menu/create`, and the `menu` object of `menu/get`. */
export interface WechatMenu {
  readonly button: readonly WechatMenuButton[];
}

/** A button of a menu file: WeChat's format, where a `view` button may give `oauth` instead of `url`. */
export interface MenuFileButton extends Omit<WechatMenuButton, 'sub_button'> {
  readonly oauth?: OAuthLink;
  readonly sub_button?: readonly MenuFileButton[];
}

/** A menu file (`wxoa menu validate|push FILE`): `{"button": [...]}` with optional OAuth links. */
export interface MenuFile {
  readonly button: readonly MenuFileButton[];
}
