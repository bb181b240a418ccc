import { isLocalTarget } from '../oauth/local-target.js';
import { DEFAULT_OAUTH_SCOPE, OAUTH_SCOPES, isOAuthScope } from '../oauth/scope.js';
import type { OAuthScope } from '../oauth/scope.js';
import {
  childPath,
  describeJson,
  isHttpUrl,
  isJsonObject,
  readString,
  unknownFieldProblems,
  utf8Length,
} from '../replies/problem.js';
import type { Problem } from '../replies/problem.js';
import { MENU_BUTTON_TYPES, MENU_LIMITS } from './menu-types.js';
import type { MenuButtonType, MenuFile, MenuFileButton, OAuthLink } from './menu-types.js';
import { normalizePublicUrl, oauthLinkPath, oauthLinkUrl } from './oauth-link.js';

/** Options of {@link validateMenu} and {@link parseMenu}. */
export interface MenuValidationOptions {
  /**
   * PUBLIC_URL, to check that OAuth links still fit WeChat's 1024-byte url limit once expanded. Without it
   * only the part this server adds is counted.
   */
  readonly publicUrl?: string;
}

type ValueField = 'key' | 'url' | 'media_id' | 'article_id' | 'appid' | 'pagepath';

// What each type needs (WECHAT-PROTOCOL.md §6.6). `view` is special: `url` or `oauth`, exactly one.
const REQUIRED: Record<MenuButtonType, readonly ValueField[]> = {
  click: ['key'],
  scancode_push: ['key'],
  scancode_waitmsg: ['key'],
  pic_sysphoto: ['key'],
  pic_photo_or_album: ['key'],
  pic_weixin: ['key'],
  location_select: ['key'],
  view: [],
  media_id: ['media_id'],
  view_limited: ['media_id'],
  article_id: ['article_id'],
  article_view_limited: ['article_id'],
  miniprogram: ['appid', 'pagepath', 'url'],
};
const VALUE_FIELDS: readonly ValueField[] = ['key', 'url', 'media_id', 'article_id', 'appid', 'pagepath'];
const BUTTON_FIELDS = ['name', 'type', ...VALUE_FIELDS, 'oauth', 'sub_button'] as const;
const OAUTH_FIELDS = ['scope', 'target'] as const;

/**
 * Every way `input` breaks WeChat's menu rules (WECHAT-PROTOCOL.md §6.6) or this server's menu file format,
 * each with its JSON path (`button[1].sub_button[2].key`); empty when the menu can be pushed.
 */
export function validateMenu(input: unknown, options: MenuValidationOptions = {}): Problem[] {
  const result = parseMenu(input, options);
  return 'problems' in result ? result.problems : [];
}

/**
 * Validates a menu file like {@link validateMenu} and returns it as a fresh, typed {@link MenuFile} holding
 * only known fields (empty `sub_button` lists, which `menu/get` prints on every leaf, are dropped; an OAuth
 * link without `scope` gets `snsapi_base`).
 */
export function parseMenu(
  input: unknown,
  options: MenuValidationOptions = {},
): { menu: MenuFile } | { problems: Problem[] } {
  const problems: Problem[] = [];
  // Fail fast on a bad PUBLIC_URL: every oauth length check below depends on it.
  const publicUrl = options.publicUrl === undefined ? '' : normalizePublicUrl(options.publicUrl);

  if (!isJsonObject(input)) {
    return {
      problems: [
        { path: '', message: `a menu must be an object {"button": [...]} (got ${describeJson(input)})` },
      ],
    };
  }
  for (const problem of unknownFieldProblems(input, ['button'], '', 'a menu')) {
    problems.push(
      problem.path === 'menu' && input.button === undefined
        ? { path: 'menu', message: 'this looks like the answer of menu/get; use the object under "menu"' }
        : problem,
    );
  }

  const buttons = input.button;
  const buttonsOut: MenuFileButton[] = [];
  if (buttons === undefined) {
    problems.push({
      path: 'button',
      message: `is required: a list of 1–${MENU_LIMITS.topLevelButtons} buttons`,
    });
  } else if (!Array.isArray(buttons)) {
    problems.push({ path: 'button', message: `must be an array of buttons (got ${describeJson(buttons)})` });
  } else {
    if (buttons.length === 0 || buttons.length > MENU_LIMITS.topLevelButtons) {
      problems.push({
        path: 'button',
        message: `must hold 1–${MENU_LIMITS.topLevelButtons} top-level buttons (got ${buttons.length})`,
      });
    }
    buttons.forEach((button: unknown, index) => {
      const parsed = checkButton(button, childPath('button', index), 'top', publicUrl, problems);
      if (parsed !== undefined) buttonsOut.push(parsed);
    });
  }

  if (problems.length > 0) return { problems };
  return { menu: { button: buttonsOut } };
}

function checkButton(
  value: unknown,
  path: string,
  level: 'top' | 'sub',
  publicUrl: string,
  problems: Problem[],
): MenuFileButton | undefined {
  if (!isJsonObject(value)) {
    problems.push({
      path,
      message: `must be a button object {"name", "type", …} (got ${describeJson(value)})`,
    });
    return undefined;
  }
  const before = problems.length;
  problems.push(...unknownFieldProblems(value, BUTTON_FIELDS, path, 'a menu button'));
  const name = checkName(value, path, level, problems);

  // A button with a non-empty sub_button opens a sub-menu; an empty list (as menu/get prints) means a leaf.
  const subs = value.sub_button;
  const subPath = childPath(path, 'sub_button');
  if (subs !== undefined && !Array.isArray(subs)) {
    problems.push({ path: subPath, message: `must be an array of buttons (got ${describeJson(subs)})` });
  }
  const hasSubs = Array.isArray(subs) && subs.length > 0;

  if (hasSubs && level === 'sub') {
    problems.push({
      path: subPath,
      message: 'menus have two levels only: a sub-menu button cannot have sub_button',
    });
  }
  if (hasSubs && level === 'top') {
    const parent = checkParent(value, subs, path, publicUrl, problems);
    return problems.length > before || name === undefined ? undefined : { name, sub_button: parent };
  }
  if (level === 'top' && Array.isArray(subs) && subs.length === 0 && value.type === undefined) {
    problems.push({
      path: subPath,
      message: `must hold 1–${MENU_LIMITS.subButtons} buttons, or give this button a type`,
    });
    return undefined;
  }
  const leaf = checkLeaf(value, path, level, publicUrl, problems);
  return problems.length > before || name === undefined || leaf === undefined ? undefined : { name, ...leaf };
}

function checkName(
  button: Record<string, unknown>,
  path: string,
  level: 'top' | 'sub',
  problems: Problem[],
): string | undefined {
  const name = readString(button, 'name', path, problems, true);
  if (name === undefined) return undefined;
  const max = level === 'top' ? MENU_LIMITS.topLevelNameBytes : MENU_LIMITS.subNameBytes;
  const bytes = utf8Length(name);
  if (bytes > max) {
    const where = level === 'top' ? 'a top-level button name' : 'a sub-menu button name';
    problems.push({
      path: childPath(path, 'name'),
      message: `is ${bytes} bytes in UTF-8; ${where} may have at most ${max} (a Chinese character takes 3)`,
    });
    return undefined;
  }
  return name;
}

function checkParent(
  button: Record<string, unknown>,
  subs: unknown[],
  path: string,
  publicUrl: string,
  problems: Problem[],
): MenuFileButton[] {
  // WeChat treats a button with sub_button as a folder: it has no action of its own.
  if (button.type !== undefined) {
    problems.push({ path: childPath(path, 'type'), message: 'must be absent on a button with sub_button' });
  }
  for (const field of [...VALUE_FIELDS, 'oauth']) {
    if (button[field] !== undefined) {
      problems.push({ path: childPath(path, field), message: 'is not used by a button with sub_button' });
    }
  }
  const subPath = childPath(path, 'sub_button');
  if (subs.length > MENU_LIMITS.subButtons) {
    problems.push({
      path: subPath,
      message: `must hold 1–${MENU_LIMITS.subButtons} buttons (got ${subs.length})`,
    });
  }
  const out: MenuFileButton[] = [];
  subs.forEach((sub: unknown, index) => {
    const parsed = checkButton(sub, childPath(subPath, index), 'sub', publicUrl, problems);
    if (parsed !== undefined) out.push(parsed);
  });
  return out;
}

type LeafFields = Omit<MenuFileButton, 'name' | 'sub_button'>;

function checkLeaf(
  button: Record<string, unknown>,
  path: string,
  level: 'top' | 'sub',
  publicUrl: string,
  problems: Problem[],
): LeafFields | undefined {
  const type = button.type;
  const typePath = childPath(path, 'type');
  if (type === undefined) {
    const or = level === 'top' ? ` (or give the button 1–${MENU_LIMITS.subButtons} sub_button)` : '';
    problems.push({ path: typePath, message: `is required${or}` });
    return undefined;
  }
  if (typeof type !== 'string' || !(MENU_BUTTON_TYPES as readonly string[]).includes(type)) {
    const shown = typeof type === 'string' ? `"${type}"` : describeJson(type);
    problems.push({
      path: typePath,
      message: `unknown button type ${shown}; expected one of ${MENU_BUTTON_TYPES.join(', ')}`,
    });
    return undefined;
  }
  const buttonType = type as MenuButtonType;
  const before = problems.length;
  const out: Record<string, unknown> = { type: buttonType };

  const wanted: readonly string[] = buttonType === 'view' ? ['url', 'oauth'] : REQUIRED[buttonType];
  for (const field of [...VALUE_FIELDS, 'oauth']) {
    if (!wanted.includes(field) && button[field] !== undefined) {
      problems.push({ path: childPath(path, field), message: `is not used by a ${buttonType} button` });
    }
  }
  for (const field of REQUIRED[buttonType]) {
    const value = checkValue(button, field, path, problems, true);
    if (value !== undefined) out[field] = value;
  }

  if (buttonType === 'view') {
    // url XOR oauth: an oauth link becomes the url on push (INTERFACE.md §6).
    if (button.url !== undefined && button.oauth !== undefined) {
      problems.push({ path, message: 'a view button takes either url or oauth, not both' });
    } else if (button.url === undefined && button.oauth === undefined) {
      problems.push({
        path: childPath(path, 'url'),
        message: 'is required (or give oauth: {"scope", "target"})',
      });
    } else if (button.url !== undefined) {
      const url = checkValue(button, 'url', path, problems, true);
      if (url !== undefined) out.url = url;
    } else {
      const oauth = checkOAuth(button.oauth, childPath(path, 'oauth'), publicUrl, problems);
      if (oauth !== undefined) out.oauth = oauth;
    }
  }
  return problems.length > before ? undefined : (out as LeafFields);
}

function checkValue(
  button: Record<string, unknown>,
  field: ValueField,
  path: string,
  problems: Problem[],
  required: boolean,
): string | undefined {
  const value = readString(button, field, path, problems, required);
  if (value === undefined) return undefined;
  const at = childPath(path, field);
  const bytes = utf8Length(value);
  if (field === 'key' && bytes > MENU_LIMITS.keyBytes) {
    problems.push({ path: at, message: `is ${bytes} bytes; WeChat allows at most ${MENU_LIMITS.keyBytes}` });
    return undefined;
  }
  if (field === 'url') {
    if (!isHttpUrl(value)) {
      problems.push({ path: at, message: 'must be an absolute http:// or https:// URL' });
      return undefined;
    }
    if (bytes > MENU_LIMITS.urlBytes) {
      problems.push({
        path: at,
        message: `is ${bytes} bytes; WeChat allows at most ${MENU_LIMITS.urlBytes}`,
      });
      return undefined;
    }
  }
  return value;
}

function checkOAuth(
  value: unknown,
  path: string,
  publicUrl: string,
  problems: Problem[],
): OAuthLink | undefined {
  if (!isJsonObject(value)) {
    problems.push({
      path,
      message: `must be an object {"scope": "snsapi_base"|"snsapi_userinfo", "target": "/path"} (got ${describeJson(value)})`,
    });
    return undefined;
  }
  const before = problems.length;
  problems.push(...unknownFieldProblems(value, OAUTH_FIELDS, path, 'an oauth link'));

  let scope: OAuthScope = DEFAULT_OAUTH_SCOPE;
  if (value.scope !== undefined) {
    if (isOAuthScope(value.scope)) scope = value.scope;
    else {
      const shown = typeof value.scope === 'string' ? `"${value.scope}"` : describeJson(value.scope);
      problems.push({
        path: childPath(path, 'scope'),
        message: `must be one of ${OAUTH_SCOPES.join(', ')} (got ${shown})`,
      });
    }
  }

  const targetPath = childPath(path, 'target');
  const target = value.target;
  if (target === undefined) {
    problems.push({ path: targetPath, message: 'is required: a path on this server, like "/account"' });
  } else if (typeof target !== 'string') {
    problems.push({ path: targetPath, message: `must be a string (got ${describeJson(target)})` });
  } else if (!isLocalTarget(target)) {
    // The authorize route redirects only to local paths (INTERFACE.md §6), so anything else would fail there.
    problems.push({
      path: targetPath,
      message:
        'must be a path on this server: starting with one "/", no "//", "\\", "." or ".." segments, no spaces or control characters, non-ASCII percent-encoded',
    });
  } else {
    const link = { scope, target };
    const bytes = utf8Length(publicUrl === '' ? oauthLinkPath(link) : oauthLinkUrl(publicUrl, link));
    if (bytes > MENU_LIMITS.urlBytes) {
      problems.push({
        path: targetPath,
        message: `expands to a link of ${bytes} bytes${publicUrl === '' ? ' without PUBLIC_URL' : ''}; WeChat allows at most ${MENU_LIMITS.urlBytes}`,
      });
    }
  }
  return problems.length > before ? undefined : { scope, target: target as string };
}
