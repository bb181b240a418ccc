import { WechatApiError, WechatHttpError } from '../../wechat-api/errors.js';
import type { Flash } from './layout.js';

/**
 * The message for WeChat failing or refusing a request the operator made (`what` says what did not happen);
 * null for any other error, which is a bug and should stay a 500.
 */
export function wechatFlash(err: unknown, what: string): Flash | null {
  if (err instanceof WechatHttpError) {
    return { kind: 'error', text: `${what}: WeChat could not be reached. Try again in a moment.` };
  }
  if (err instanceof WechatApiError) {
    return { kind: 'error', text: `${what}: WeChat answered ${err.errcode} ${err.errmsg}.` };
  }
  return null;
}
