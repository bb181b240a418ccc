import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Config } from '../../config.js';
import { oauthLinkUrl } from '../../menu/oauth-link.js';
import type { OAuthLink } from '../../menu/menu-types.js';

/** The menu the config file names: absent, unreadable, or its JSON (not yet validated). */
export type MenuSource =
  | { kind: 'none' }
  | { kind: 'unreadable'; where: string; message: string }
  | { kind: 'found'; where: string; input: unknown; demo?: boolean };

/**
 * Reads the config file's `menu`: an inline object, or the path of a menu file (relative to the config file,
 * as paths inside a file usually are; to the working directory without one). Read on every request, so an
 * edit shows on reload without a restart.
 */
export async function loadMenuSource(config: Pick<Config, 'menuInput' | 'configFile'>): Promise<MenuSource> {
  const input = config.menuInput;
  if (input === null || input === undefined) return { kind: 'none' };
  // No config file with a menu in hand: the sandbox's demo menu (main.ts SANDBOX_DEMO), not a file's.
  if (typeof input !== 'string' && !config.configFile)
    return { kind: 'found', where: 'the demo menu (no config file)', input, demo: true };
  if (typeof input !== 'string')
    return { kind: 'found', where: `"menu" in ${config.configFile ?? 'the config file'}`, input };
  const path = resolve(config.configFile ? dirname(config.configFile) : process.cwd(), input);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      kind: 'unreadable',
      where: path,
      message: code === 'ENOENT' ? 'the file does not exist' : `it cannot be read (${code ?? 'error'})`,
    };
  }
  try {
    return { kind: 'found', where: path, input: JSON.parse(text) as unknown };
  } catch (err) {
    return { kind: 'unreadable', where: path, message: `it is not valid JSON: ${(err as Error).message}` };
  }
}

/** The keys of a menu's buttons that push a CLICK-like event, for the simulator's "click a menu key". */
export function menuEventKeys(input: unknown): string[] {
  const keys: string[] = [];
  const visit = (buttons: unknown) => {
    if (!Array.isArray(buttons)) return;
    for (const b of buttons) {
      if (b === null || typeof b !== 'object') continue;
      const button = b as Record<string, unknown>;
      if (button['type'] === 'click' && typeof button['key'] === 'string') keys.push(button['key']);
      visit(button['sub_button']);
    }
  };
  if (input !== null && typeof input === 'object') visit((input as Record<string, unknown>)['button']);
  return keys;
}

/** A `view` button of the menu and the URL it opens (an `oauth` link expanded to this server's route). */
export interface MenuViewLink {
  name: string;
  url: string;
}

/** The menu's `view` buttons, for the simulator's "open a menu link"; buttons it cannot expand are left out. */
export function menuViewLinks(input: unknown, publicUrl: string): MenuViewLink[] {
  const links: MenuViewLink[] = [];
  const visit = (buttons: unknown) => {
    if (!Array.isArray(buttons)) return;
    for (const b of buttons) {
      if (b === null || typeof b !== 'object') continue;
      const button = b as Record<string, unknown>;
      const name = typeof button['name'] === 'string' ? button['name'] : '';
      if (button['type'] === 'view') {
        let url: string | undefined;
        if (typeof button['url'] === 'string') url = button['url'];
        else if (button['oauth'] !== null && typeof button['oauth'] === 'object') {
          try {
            url = oauthLinkUrl(publicUrl, button['oauth'] as OAuthLink);
          } catch {
            url = undefined;
          }
        }
        if (url !== undefined && /^https?:\/\//.test(url)) links.push({ name, url });
      }
      visit(button['sub_button']);
    }
  };
  if (input !== null && typeof input === 'object') visit((input as Record<string, unknown>)['button']);
  return links;
}
