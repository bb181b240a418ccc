import type { MenuFileButton } from './menu-types.js';

/**
 * Names of the buttons (at any level) written with `oauth`: their links are made from PUBLIC_URL, so with
 * PUBLIC_URL unset they would send real followers to `localhost` (INTERFACE.md §2).
 */
export function oauthButtonNames(buttons: readonly MenuFileButton[]): string[] {
  return buttons.flatMap((b) => [...(b.oauth ? [b.name] : []), ...oauthButtonNames(b.sub_button ?? [])]);
}
