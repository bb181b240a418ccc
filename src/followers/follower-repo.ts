import type { Follower, FollowerEvent, FollowerEventInput } from './follower.js';

/** A paging cursor that the store did not issue ({@link FollowerRepo.list}; the admin API answers it with 400). */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

/** A row of `user/info` (WECHAT-PROTOCOL.md §6.2) as enrichment stores it. */
export interface UserInfoFields {
  openid: string;
  subscribe: number;
  unionid?: string | undefined;
  subscribe_scene?: string | undefined;
  qr_scene?: number | undefined;
  qr_scene_str?: string | undefined;
  tagid_list?: number[] | undefined;
  remark?: string | undefined;
  language?: string | undefined;
  subscribe_time?: number | undefined;
}

/**
 * Orders of the follower list: by OpenID (the API's default), or by follow time, newest or oldest first (a
 * follower whose follow time is not known yet counts as the oldest).
 */
export type FollowerSort = 'openid' | 'newest' | 'oldest';

/** Every order of {@link FollowerSort}, for validating a query parameter. */
export const FOLLOWER_SORTS: readonly FollowerSort[] = ['openid', 'newest', 'oldest'];

/** Which followers a list or an export covers. */
export interface FollowerFilter {
  subscribed?: boolean;
  scene?: string;
  unionid?: string;
  /** An OpenID or UnionID prefix (the console's search box): an index range, not a substring scan. */
  search?: string;
  /** Followed at or after this time (Unix seconds; their latest follow). */
  since?: number;
  /** Carrying this tag (WeChat's tag id), read from the follower_tags index. */
  tag?: number;
  /** On the blacklist, or not. */
  blacklisted?: boolean;
}

export interface FollowerQuery extends FollowerFilter {
  appid: string;
  /** Default 'openid'. */
  sort?: FollowerSort;
  limit: number;
  cursor?: string;
}

/** An account's followers as the triggers of the store keep them counted (no table scan). */
export interface FollowerCounts {
  total: number;
  subscribed: number;
  unsubscribed: number;
}

export interface SceneStats {
  scene: string;
  scans: number;
  subscribes: number;
  unsubscribes: number;
}

/** Where WeChat reported a UnionID: user/info(/batchget), enrichment and sync alike, or web authorization. */
export type UnionIdSource = 'user/info' | 'oauth';

/**
 * WeChat reported, for an OpenID, a UnionID other than the one kept (the first it reported; a UnionID never
 * changes for an OpenID, so this needs a human). Repeats of one report count up in `times`.
 */
export interface UnionIdConflict {
  appid: string;
  openid: string;
  keptUnionid: string;
  reportedUnionid: string;
  source: UnionIdSource;
  /** ISO times. */
  firstSeenAt: string;
  lastSeenAt: string;
  times: number;
}

export interface UnionIdentity {
  appid: string;
  openid: string;
  source: 'follower' | 'oauth';
  /** Also signed in on the web with this OpenID (web authorization); always true for `oauth`. */
  signedIn: boolean;
}

/** Follower capture, history and enrichment. */
export interface FollowerRepo {
  /**
   * Appends the event and updates the follower in one transaction. Returns false (and changes nothing) when
   * the dedup key was already stored. subscribe: subscribed, subscribeTime, scene (when given), queued for
   * enrichment; unsubscribe: not subscribed, unsubscribeTime; scan: the follower exists (created subscribed
   * if unknown).
   */
  recordEvent(event: FollowerEventInput): Promise<boolean>;
  get(appid: string, openid: string): Promise<Follower | null>;
  list(query: FollowerQuery): Promise<{ followers: Follower[]; nextCursor: string | null }>;
  /** Oldest first. */
  events(appid: string, openid: string): Promise<FollowerEvent[]>;
  /**
   * Takes up to `limit` followers due for enrichment (never enriched, or re-queued, and not leased or whose
   * lease ran out), leasing them for `leaseMs` so other instances skip them.
   */
  claimForEnrichment(limit: number, leaseMs: number): Promise<Array<{ appid: string; openid: string }>>;
  /**
   * Stores enrichment results and clears the queue flag for them. A follower's UnionID, once known, is kept:
   * a different one reported is recorded as a conflict (and returned), not written over it.
   */
  saveEnrichment(appid: string, infos: UserInfoFields[]): Promise<UnionIdConflict[]>;
  /** Puts followers back in the queue, not to be retried before `retryAt` (Unix ms). */
  deferEnrichment(appid: string, openids: string[], retryAt: number): Promise<void>;
  /** Number of followers waiting for enrichment. */
  pendingEnrichment(appid?: string): Promise<number>;
  /**
   * Sync: ensures these openids exist as subscribed followers and queues them; stamps them with `syncId`.
   * Returns how many were not held as subscribed before (newly found).
   */
  markListed(appid: string, openids: string[], syncId: string): Promise<number>;
  /**
   * Sync end: followers not stamped with `syncId` are marked unsubscribed, `now` (Unix seconds) becoming their
   * unsubscribeTime. A follow or scan recorded while sync state holds `syncId` is stamped too. Returns how many.
   */
  markUnlisted(appid: string, syncId: string, now: number): Promise<number>;
  /** Every follower (matching `filter`), in openid order, in constant memory (keyset pages). */
  iterate(appid?: string, filter?: FollowerFilter): AsyncIterable<Follower>;
  /** The account's followers counted: total, following, not following. */
  counts(appid: string): Promise<FollowerCounts>;
  sceneStats(appid: string): Promise<SceneStats[]>;
  /** All identities (followers of any account, OAuth visitors) sharing a unionid. */
  unionIdentities(unionid: string): Promise<UnionIdentity[]>;
  /** The other UnionIDs WeChat reported for this OpenID (from any source), oldest first. */
  unionIdConflicts(appid: string, openid: string): Promise<UnionIdConflict[]>;
}
