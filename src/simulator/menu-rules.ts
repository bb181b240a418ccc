import { wxError, type WxApiError } from './api-errors.js';

/**
 * menu/create's checks (§6.6): 1–3 buttons, 1–5 sub_buttons, name ≤ 16 bytes (top) / ≤ 60 bytes (sub),
 * key ≤ 128 bytes, url ≤ 1024 bytes, and each type's required field. Top-level problems answer
 * 40016–40020, sub-menu problems 40023–40027 (WeChat's return-code table); the first problem wins.
 */
const KEY_TYPES = new Set([
  'click',
  'scancode_push',
  'scancode_waitmsg',
  'pic_sysphoto',
  'pic_photo_or_album',
  'pic_weixin',
  'location_select',
]);
const MEDIA_TYPES = new Set(['media_id', 'view_limited']);
const ARTICLE_TYPES = new Set(['article_id', 'article_view_limited']);
const ALL_TYPES = new Set([...KEY_TYPES, ...MEDIA_TYPES, ...ARTICLE_TYPES, 'view', 'miniprogram']);

const MAX_BUTTONS = 3;
const MAX_SUB_BUTTONS = 5;
const TOP_NAME_BYTES = 16;
const SUB_NAME_BYTES = 60;
const KEY_BYTES = 128;
const URL_BYTES = 1024;

/** Error codes of one level: top-level buttons or sub-menu buttons. */
interface LevelCodes {
  type: number;
  name: number;
  key: number;
  url: number;
  domain: number;
  nameBytes: number;
}

const TOP: LevelCodes = {
  type: 40017,
  name: 40018,
  key: 40019,
  url: 40020,
  domain: 40055,
  nameBytes: TOP_NAME_BYTES,
};
const SUB: LevelCodes = {
  type: 40024,
  name: 40025,
  key: 40026,
  url: 40027,
  domain: 40054,
  nameBytes: SUB_NAME_BYTES,
};

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first rule the menu breaks, as the WeChat error it would get; null when WeChat would accept it. */
export function checkMenu(body: unknown): WxApiError | null {
  if (!isRecord(body)) return wxError(47001, 'menu must be a JSON object');
  const buttons = body['button'];
  if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > MAX_BUTTONS) {
    return wxError(40016, `button must hold 1 to ${MAX_BUTTONS} buttons`);
  }
  for (const [i, button] of buttons.entries()) {
    const where = `button[${i}]`;
    if (!isRecord(button)) return wxError(40017, `${where} is not an object`);
    const subs = button['sub_button'];
    // A parent button only opens its sub-menu; its own type is ignored (§3.3: no event for it).
    if (
      subs !== undefined &&
      !(Array.isArray(subs) && subs.length === 0 && typeof button['type'] === 'string')
    ) {
      const problem = checkName(button, TOP, where);
      if (problem) return problem;
      if (!Array.isArray(subs) || subs.length < 1 || subs.length > MAX_SUB_BUTTONS) {
        return wxError(40023, `${where}.sub_button must hold 1 to ${MAX_SUB_BUTTONS} buttons`);
      }
      for (const [j, sub] of subs.entries()) {
        const subWhere = `${where}.sub_button[${j}]`;
        if (!isRecord(sub)) return wxError(40024, `${subWhere} is not an object`);
        const nested = sub['sub_button'];
        if (Array.isArray(nested) && nested.length > 0)
          return wxError(40022, `${subWhere}: menus have two levels`);
        const subProblem = checkLeaf(sub, SUB, subWhere);
        if (subProblem) return subProblem;
      }
      continue;
    }
    const problem = checkLeaf(button, TOP, where);
    if (problem) return problem;
  }
  return null;
}

function checkName(button: Record<string, unknown>, codes: LevelCodes, where: string): WxApiError | null {
  const name = button['name'];
  if (typeof name !== 'string' || name.length === 0 || bytes(name) > codes.nameBytes) {
    return wxError(codes.name, `${where}.name must be 1 to ${codes.nameBytes} bytes (UTF-8)`);
  }
  return null;
}

function checkLeaf(button: Record<string, unknown>, codes: LevelCodes, where: string): WxApiError | null {
  const type = button['type'];
  if (typeof type !== 'string' || !ALL_TYPES.has(type))
    return wxError(codes.type, `${where}.type ${String(type)}`);
  const nameProblem = checkName(button, codes, where);
  if (nameProblem) return nameProblem;
  const nonEmpty = (field: string): boolean =>
    typeof button[field] === 'string' && (button[field] as string) !== '';
  if (KEY_TYPES.has(type)) {
    const key = button['key'];
    if (typeof key !== 'string' || key.length === 0 || bytes(key) > KEY_BYTES) {
      return wxError(codes.key, `${where}.key must be 1 to ${KEY_BYTES} bytes`);
    }
  }
  if (type === 'view' || type === 'miniprogram') {
    const url = button['url'];
    if (typeof url !== 'string' || url.length === 0 || bytes(url) > URL_BYTES) {
      return wxError(codes.url, `${where}.url must be 1 to ${URL_BYTES} bytes`);
    }
    if (!/^https?:\/\/[^/\s]+/i.test(url))
      return wxError(codes.domain, `${where}.url must be an http(s) URL`);
  }
  if (MEDIA_TYPES.has(type) && !nonEmpty('media_id')) return wxError(40007, `${where}.media_id`);
  // WeChat documents no distinct code for a missing article_id; 40035 "invalid args" is chosen.
  if (ARTICLE_TYPES.has(type) && !nonEmpty('article_id')) return wxError(40035, `${where}.article_id`);
  if (type === 'miniprogram') {
    if (!nonEmpty('appid')) return wxError(40166, `${where}.appid`);
    if (!nonEmpty('pagepath')) return wxError(40165, `${where}.pagepath`);
  }
  return null;
}

/**
 * The menu as menu/get returns it (§6.6): `{"menu":{"button":[…]}}`, where a button without a sub-menu
 * carries `"sub_button": []` as WeChat's answers do.
 */
export function menuGetBody(menu: unknown): { menu: { button: unknown[] } } {
  const buttons = isRecord(menu) && Array.isArray(menu['button']) ? menu['button'] : [];
  return {
    menu: {
      button: buttons.map((b) =>
        isRecord(b) && b['sub_button'] === undefined ? { ...b, sub_button: [] } : b,
      ),
    },
  };
}
