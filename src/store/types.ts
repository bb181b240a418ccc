import type { ReplyRecordStore } from '../bot/reply-store.js';
import type { TokenStore } from '../wechat-api/token-store.js';

/** A follower as the admin API shows it (INTERFACE.md §5). */
export interface Follower {
  appid: string;
  openid: string;
  unionid: string | null;
  subscribed: boolean;
  subscribeTime: number | null;
  unsubscribeTime: number | null;
  /** The QR scene of the follow that brought them (from `qrscene_X`), null for other follows. */
  scene: string | null;
  subscribeScene: string | null;
  qrScene: number | null;
  qrSceneStr: string | null;
  tags: number[];
  remark: string;
  language: string | null;
  /** ISO time of the last successful enrichment, null until enriched. */
  enrichedAt: string | null;
}

export type FollowerEventType = 'subscribe' | 'unsubscribe' | 'scan';

/** A follow, unfollow or scan as captured from a push. */
export interface FollowerEventInput {
  appid: string;
  openid: string;
  type: FollowerEventType;
  /** The scene: `X` of `qrscene_X` for a subscribe, the EventKey of a SCAN; null otherwise. */
  scene: string | null;
  ticket: string | null;
  /** The push's CreateTime (Unix seconds). */
  createTime: number;
  /** The push's dedup key (INTERFACE.md §3): unique, so a retried push is stored once across instances. */
  dedupKey: string;
}

export interface FollowerEvent {
  type: FollowerEventType;
  scene: string | null;
  createTime: number;
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

export interface FollowerQuery {
  appid: string;
  subscribed?: boolean;
  scene?: string;
  unionid?: string;
  /** Matches openid or unionid exactly, for the console's search box. */
  search?: string;
  limit: number;
  cursor?: string;
}

export interface SceneStats {
  scene: string;
  scans: number;
  subscribes: number;
  unsubscribes: number;
}

export type MessageDirection = 'in' | 'out';

export interface ConversationMessageInput {
  appid: string;
  openid: string;
  direction: MessageDirection;
  /** WeChat's MsgType for inbound ('text', 'image', 'event:CLICK' …); for outbound the reply type. */
  type: string;
  /** Text content, or a short summary for non-text types. */
  content: string;
  createTime: number;
  /** How an outbound message went: 'passive' | 'late' | 'operator'. */
  via?: string;
  /** Inbound MsgId: unique per account, so a retried push is recorded once. */
  msgId?: string;
}

export interface ConversationMessage {
  direction: MessageDirection;
  type: string;
  content: string;
  createTime: number;
  via: string | null;
}

export interface InboxEntry {
  openid: string;
  unionid: string | null;
  lastType: string;
  lastContent: string;
  lastCreateTime: number;
  lastDirection: MessageDirection;
  /** Unix seconds of the follower's last inbound message (opens WeChat's 48-hour window), null if none. */
  lastInboundTime: number | null;
  /** True when the newest message is inbound: nobody has answered it yet. */
  unanswered: boolean;
}

export interface OAuthStateInput {
  state: string;
  /** Hash of the browser-binding cookie value. */
  browserHash: string;
  target: string;
  scope: 'snsapi_base' | 'snsapi_userinfo';
  /** Unix milliseconds. */
  expiresAt: number;
}

export interface OAuthIdentityInput {
  appid: string;
  openid: string;
  unionid: string | null;
  scope: string;
  isSnapshotUser: boolean;
  nickname?: string | null;
  headimgurl?: string | null;
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
  /** Sync: ensures these openids exist as subscribed followers and queues them; stamps them with `syncId`. */
  markListed(appid: string, openids: string[], syncId: string): Promise<void>;
  /**
   * Sync end: followers not stamped with `syncId` are marked unsubscribed, `now` (Unix seconds) becoming their
   * unsubscribeTime. A follow or scan recorded while sync state holds `syncId` is stamped too. Returns how many.
   */
  markUnlisted(appid: string, syncId: string, now: number): Promise<number>;
  /** Every follower, in openid order, in constant memory (keyset pages). */
  iterate(appid?: string): AsyncIterable<Follower>;
  sceneStats(appid: string): Promise<SceneStats[]>;
  /** All identities (followers of any account, OAuth visitors) sharing a unionid. */
  unionIdentities(unionid: string): Promise<UnionIdentity[]>;
  /** The other UnionIDs WeChat reported for this OpenID (from any source), oldest first. */
  unionIdConflicts(appid: string, openid: string): Promise<UnionIdConflict[]>;
}

/** The conversation with each follower (customer service). */
export interface MessageRepo {
  /** Returns false when an inbound message with the same msgId was already recorded. */
  add(message: ConversationMessageInput): Promise<boolean>;
  /** Oldest first. */
  list(appid: string, openid: string, limit?: number): Promise<ConversationMessage[]>;
  /** Newest conversation first. */
  inbox(appid: string, limit: number): Promise<InboxEntry[]>;
}

/** OAuth states and identities (INTERFACE.md §6). */
export interface OAuthRepo {
  saveState(state: OAuthStateInput): Promise<void>;
  /** Atomically deletes and returns the state (single use); null if unknown. Expiry is the caller's check. */
  takeState(state: string): Promise<(OAuthStateInput & { createdAt: number }) | null>;
  /**
   * Stores a visitor's identity. A UnionID already known for the OpenID (from an earlier sign-in or as a
   * follower of that account) is kept: a different one is recorded as a conflict. Returns the UnionID now
   * known for the OpenID (so an `snsapi_base` sign-in, which carries none, gets the known one) and the
   * conflicts found.
   */
  saveIdentity(
    identity: OAuthIdentityInput,
  ): Promise<{ unionid: string | null; conflicts: UnionIdConflict[] }>;
}

/** Resumable `wxoa sync` progress. */
export interface SyncStateRepo {
  get(appid: string): Promise<{ syncId: string; nextOpenid: string | null; listed: number } | null>;
  set(appid: string, state: { syncId: string; nextOpenid: string | null; listed: number }): Promise<void>;
  clear(appid: string): Promise<void>;
}

/** Everything wxoa keeps, on SQLite or PostgreSQL. */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  followers: FollowerRepo;
  messages: MessageRepo;
  oauth: OAuthRepo;
  syncState: SyncStateRepo;
  tokens: TokenStore;
  replies: ReplyRecordStore;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
