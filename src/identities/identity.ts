/**
 * One person has one OpenID per app; the UnionID links them across the Official Accounts, Mini Programs,
 * website apps and mobile apps bound to one Open Platform account (INTERFACE.md §8, WECHAT-PROTOCOL.md §9).
 */

/** The kinds of app an identity belongs to. */
export type AppType = 'official_account' | 'miniprogram' | 'website' | 'mobile';

/** The Open Platform's apps besides Official Accounts (the config file's `apps`). */
export type OpenAppType = Exclude<AppType, 'official_account'>;

/**
 * How wxoa learnt an OpenID: `follower` (user/info of an Official Account), `oauth` (an Official Account's
 * web authorization), or a sign-in to a Mini Program, mobile app or website app.
 */
export type IdentitySource = 'follower' | 'oauth' | OpenAppType;

/** An app of the Open Platform as the identities domain needs it. */
export interface OpenApp {
  type: OpenAppType;
  appid: string;
  /** Null: shown by its AppID. */
  name: string | null;
}

/** One OpenID of one app, learnt one way: one entry per (appid, openid, source). */
export interface Identity {
  appid: string;
  appType: AppType;
  openid: string;
  unionid: string | null;
  source: IdentitySource;
  /** Unix ms. */
  firstSeen: number;
  lastSeen: number;
  /** Web authorization's scope (`oauth` and `website` identities), else null. */
  scope: string | null;
  /** Whether a `follower` still follows; null for other sources. */
  subscribed: boolean | null;
  /** Whether user/info has told about a `follower` yet; null for other sources. */
  enriched: boolean | null;
}

/** An identity as the admin API and the console show it (INTERFACE.md §8). */
export interface IdentityJson {
  appid: string;
  appType: AppType;
  openid: string;
  source: IdentitySource;
  firstSeen: string;
  lastSeen: string;
}

/** Exactly the identity object of INTERFACE.md §8. */
export function identityJson(i: Identity): IdentityJson {
  return {
    appid: i.appid,
    appType: i.appType,
    openid: i.openid,
    source: i.source,
    firstSeen: new Date(i.firstSeen).toISOString(),
    lastSeen: new Date(i.lastSeen).toISOString(),
  };
}
