import { utf8Length } from '../replies/problem.js';
import { MENU_LIMITS } from './menu-types.js';
import type { MenuFile, MenuFileButton, WechatMenu, WechatMenuButton } from './menu-types.js';
import { oauthLinkUrl } from './oauth-link.js';

/**
 * The body for `menu/create`: `menu` (validated by `parseMenu`) with every `view` button's `oauth` link
 * replaced by `url: $PUBLIC_URL/oauth/authorize?target=<encoded path>&scope=<scope>` (INTERFACE.md §6).
 * Throws a `TypeError` for a bad `publicUrl` and a `RangeError` when an expanded link exceeds WeChat's
 * 1024 bytes (`validateMenu` with the same `publicUrl` reports that first).
 */
export function expandMenu(menu: MenuFile, publicUrl: string): WechatMenu {
  return { button: menu.button.map((button) => expandButton(button, publicUrl)) };
}

function expandButton(button: MenuFileButton, publicUrl: string): WechatMenuButton {
  const { oauth, sub_button: subs, ...rest } = button;
  if (subs !== undefined && subs.length > 0) {
    return { name: rest.name, sub_button: subs.map((sub) => expandButton(sub, publicUrl)) };
  }
  if (oauth === undefined) return rest;
  const url = oauthLinkUrl(publicUrl, oauth);
  if (utf8Length(url) > MENU_LIMITS.urlBytes) {
    throw new RangeError(
      `the OAuth link of menu button "${button.name}" is ${utf8Length(url)} bytes; WeChat allows at most ${MENU_LIMITS.urlBytes}`,
    );
  }
  return { ...rest, url };
}
