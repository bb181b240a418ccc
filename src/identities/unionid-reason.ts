import type { Identity } from './identity.js';

/** Why an identity has no UnionID, most likely. */
export type UnionidReasonCode = 'app_not_bound' | 'snsapi_base' | 'unfollowed' | 'not_yet_known';

/** A reason as the JSON answers and the console show it. */
export interface UnionidReason {
  code: UnionidReasonCode;
  message: string;
}

const MESSAGES: Record<UnionidReasonCode, string> = {
  app_not_bound:
    'The app is probably not bound to an Open Platform account: no identity of this app has ever had a ' +
    'UnionID. Bind it at open.weixin.qq.com to link its users with your other apps.',
  snsapi_base:
    'This person signed in with snsapi_base, which never returns a UnionID; a snsapi_userinfo sign-in ' +
    'or following the account would tell it.',
  unfollowed:
    'This person no longer follows the account, and WeChat tells the UnionID only of current followers.',
  not_yet_known: 'WeChat has not told it yet; it is looked up again with the next enrichment or sync.',
};

/**
 * The likely reason `identity` has no UnionID (WECHAT-PROTOCOL.md §9, §6.8), or null when it has one.
 * `appBound`: some identity of the same app has had a UnionID, so the app is bound to an Open Platform.
 */
export function unionidReason(
  identity: Pick<Identity, 'unionid' | 'source' | 'scope' | 'subscribed'>,
  appBound: boolean,
): UnionidReason | null {
  if (identity.unionid !== null) return null;
  const code: UnionidReasonCode = !appBound
    ? 'app_not_bound'
    : identity.source === 'oauth' && identity.scope === 'snsapi_base'
      ? 'snsapi_base'
      : identity.source === 'follower' && identity.subscribed === false
        ? 'unfollowed'
        : 'not_yet_known';
  return { code, message: MESSAGES[code] };
}
