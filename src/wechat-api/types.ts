/**
 * Shapes of WeChat API answers. User info keeps WeChat's field names verbatim (WECHAT-PROTOCOL.md §6.2) so it
 * can be checked line by line against the protocol and stored as is (UserInfoFields in
 * followers/follower-repo.ts); composite results the client assembles itself are camelCase.
 */

/** Interface language of `user/info` answers (§6.2). */
export type UserInfoLang = 'zh_CN' | 'zh_TW' | 'en';

/** A row of `user/info` / `user/info/batchget` (§6.2). With `subscribe: 0` little more than the openid comes back. */
export interface UserInfo {
  subscribe: number;
  openid: string;
  /** Only when the account is bound to an Open Platform account. */
  unionid?: string;
  /** Marked "no longer provided" by the current doc. */
  language?: string;
  /** Unix seconds of the last follow. */
  subscribe_time?: number;
  remark?: string;
  groupid?: number;
  tagid_list?: number[];
  /** `ADD_SCENE_QR_CODE`, `ADD_SCENE_SEARCH` … */
  subscribe_scene?: string;
  qr_scene?: number;
  qr_scene_str?: string;
}

/** One page of `user/get` (§6.3). */
export interface FollowerPage {
  /** Followers of the account in all. */
  total: number;
  /** OpenIDs on this page (up to 10 000). */
  count: number;
  openids: string[];
  /** Pass to the next call; null when WeChat sent none (the list is over). */
  nextOpenid: string | null;
}

/** A follower tag (§6.4 `tags/get`). */
export interface Tag {
  id: number;
  name: string;
  /** Followers carrying it. */
  count: number;
}

/** A created parametric QR code (§6.5). */
export interface QrCode {
  ticket: string;
  /** The QR content, for rendering the image yourself. */
  url: string;
  /** Seconds the code lives; null for a permanent code. */
  expireSeconds: number | null;
  /** Where the image can be fetched, no access_token needed. */
  imageUrl: string;
}

/** The result of an OAuth code exchange or refresh (§6.8 steps 2–3). This is not the base access_token. */
export interface OAuthToken {
  accessToken: string;
  /** Seconds. */
  expiresIn: number;
  /** Lives 30 days. */
  refreshToken: string;
  openid: string;
  scope: string;
  /** Only for `snsapi_userinfo` with a bound Open Platform account. */
  unionid?: string;
  /** The virtual user of "snapshot page" mode: its openid is not a real follower's. */
  isSnapshotUser: boolean;
}

/** `/sns/userinfo` (§6.8 step 4); region and gender are being withdrawn, so expect 0 / ''. */
export interface OAuthUserInfo {
  openid: string;
  nickname: string;
  sex: number;
  province: string;
  city: string;
  country: string;
  /** Ends with the size: 0 = 640, 46, 64, 96, 132. */
  headimgurl: string;
  privilege: string[];
  unionid?: string;
}
