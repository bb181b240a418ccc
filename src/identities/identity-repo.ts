import type { Identity, IdentitySource, OpenAppType } from './identity.js';

/** A sign-in to a Mini Program, mobile app or website app, as recorded. */
export interface AppIdentityInput {
  appid: string;
  appType: OpenAppType;
  openid: string;
  /** Null when WeChat told none (an app not bound to the Open Platform). */
  unionid: string | null;
  source: Extract<IdentitySource, OpenAppType>;
  /** Web authorization's scope (website: snsapi_login), else null. */
  scope?: string | null;
  nickname?: string | null;
}

/** What {@link IdentityRepo.record} kept. */
export interface RecordedIdentity {
  /** The UnionID now known for this OpenID: the first one ever reported (a UnionID never changes). */
  unionid: string | null;
  /** A different UnionID WeChat reported this time, not kept; null when there was none. */
  conflictingUnionid: string | null;
}

/** Identities of every source, linked by UnionID (INTERFACE.md §8). */
export interface IdentityRepo {
  /** Records (or touches: lastSeen) a sign-in; a UnionID once known for the OpenID is kept. */
  record(input: AppIdentityInput): Promise<RecordedIdentity>;
  /**
   * Every identity with this UnionID, of every source: followers of the Official Accounts, their web
   * sign-ins, and the Open Platform's apps. One entry per (appid, openid, source); snapshot-page visitors
   * (virtual OpenIDs) are left out.
   */
  union(unionid: string): Promise<Identity[]>;
  /** Every identity of one OpenID of one app (one per source). */
  ofOpenid(appid: string, openid: string): Promise<Identity[]>;
  /**
   * The identities whose OpenID or UnionID is exactly `term`, and everyone linked to them by UnionID: the
   * console's People search. `appids`: the Official Accounts whose followers and web sign-ins are looked
   * up by OpenID (their tables are keyed by account). At most `limit` identities.
   */
  search(term: string, limit: number, appids: readonly string[]): Promise<Identity[]>;
  /** Which of `appids` have ever had an identity with a UnionID (so the app is bound to an Open Platform). */
  appsWithUnionid(appids: readonly string[]): Promise<Set<string>>;
}
