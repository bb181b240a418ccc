import { randomBytes } from 'node:crypto';

/**
 * WeChat API errors: HTTP 200 with `{"errcode", "errmsg"}` (WECHAT-PROTOCOL.md §6, §7). Messages follow
 * WeChat's global return-code table; `rid` is appended as WeChat does (clients should log it).
 *
 * Codes whose exact value WeChat does not document for a case are marked "chosen" where they are thrown.
 */
export const ERRMSG: Readonly<Record<number, string>> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40003: 'invalid openid',
  40007: 'invalid media_id',
  40008: 'invalid message type',
  40013: 'invalid appid',
  40014: 'invalid access_token',
  40016: 'invalid button size',
  40017: 'invalid button type',
  40018: 'invalid button name size',
  40019: 'invalid button key size',
  40020: 'invalid button url size',
  40022: 'invalid sub button level',
  40023: 'invalid sub button size',
  40024: 'invalid sub button type',
  40025: 'invalid sub button name size',
  40026: 'invalid sub button key size',
  40027: 'invalid sub button url size',
  40029: 'invalid code',
  40030: 'invalid refresh_token',
  40032: 'invalid openid list size',
  40092: 'invalid remark',
  40035: 'invalid args',
  40053: 'invalid action info',
  40054: 'invalid sub button url domain',
  40055: 'invalid button url domain',
  40066: 'invalid url',
  40125: 'invalid appsecret',
  40163: 'code been used',
  40165: 'invalid weapp pagepath',
  40166: 'invalid weapp appid',
  40226: 'user is blocked by risk control',
  41001: 'access_token missing',
  41002: 'appid missing',
  41003: 'refresh_token missing',
  41004: 'appsecret missing',
  41008: 'missing code',
  41009: 'missing openid',
  42001: 'access_token expired',
  42002: 'refresh_token expired',
  42003: 'code expired',
  43001: 'require GET method',
  43002: 'require POST method',
  43004: 'require subscribe',
  44002: 'empty post data',
  44003: 'empty news data',
  44004: 'empty content',
  45008: 'article size out of limit',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit mush slower,retry next minute',
  45015: 'response out of time limit or subscription is canceled',
  45047: 'out of response count limit',
  45056: 'too many tags',
  45057: 'can not delete the tag that has too many fans',
  45058: 'can not modify the system tag',
  45059: 'user has too many tags',
  45072: 'command field invalid',
  45080: 'has not sent message to user in the last 30 seconds',
  45081: 'already in typing status',
  45157: 'tag name is duplicated',
  45158: 'tag name is too long',
  45159: 'invalid tag id',
  46003: 'menu no exist',
  47001: 'data format error',
  48001: 'api unauthorized',
  // Third-party platform (issue 13, WECHAT-PROTOCOL.md §8).
  61005: 'component ticket is expired',
  61006: 'component ticket is invalid',
  61007: 'api is unauthorized to component',
  61009: 'code is invalid',
  61010: 'code is expired',
  61011: 'invalid component',
  61023: 'refresh_token is invalid',
};

/** An API error answered as WeChat would; thrown by route handlers, rendered by the API middleware. */
export class WxApiError extends Error {
  override readonly name = 'WxApiError';

  constructor(
    readonly errcode: number,
    /** What exactly was wrong; appended to the errmsg as a hint, as WeChat sometimes does. */
    readonly detail?: string,
  ) {
    super(`${errcode} ${ERRMSG[errcode] ?? 'error'}${detail ? ` (${detail})` : ''}`);
  }
}

/** Shorthand for `new WxApiError(...)`. */
export function wxError(errcode: number, detail?: string): WxApiError {
  return new WxApiError(errcode, detail);
}

/** The JSON body WeChat answers for an error, with its `rid` suffix. */
export function errorBody(errcode: number, detail?: string): { errcode: number; errmsg: string } {
  const rid = [4, 4, 4].map((n) => randomBytes(n).toString('hex')).join('-');
  const hint = detail ? ` hint: [${detail}]` : '';
  return { errcode, errmsg: `${ERRMSG[errcode] ?? 'error'}${hint} rid: ${rid}` };
}

/** `{"errcode":0,"errmsg":"ok"}`, the success answer of write APIs. */
export const OK = Object.freeze({ errcode: 0, errmsg: 'ok' });
