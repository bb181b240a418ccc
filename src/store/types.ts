import type { ReplyRecordStore } from '../bot/reply-store.js';
import type { FollowerRepo } from '../followers/follower-repo.js';
import type { SyncStateRepo } from '../followers/sync-state-repo.js';
import type { SyncRunRepo } from '../followers/sync-run-repo.js';
import type { MessageRepo } from '../kf/message-repo.js';
import type { OAuthRepo } from '../oauth/oauth-repo.js';
import type { ApiFailureStore } from '../wechat-api/api-failure.js';
import type { QrCodeRepo } from '../campaigns/qrcode-repo.js';
import type { TokenStore } from '../wechat-api/token-store.js';
import type { AuthFailureRepo } from '../access/auth-failure-repo.js';
import type { ConsoleSessionRepo } from '../access/console-session-repo.js';
import type { IdentityRepo } from '../identities/identity-repo.js';
import type { ComponentRepo } from '../component/component-repo.js';
import type { FollowerJobRepo } from '../followers/follower-job.js';
import type { TagRepo } from '../followers/tag-repo.js';

// The ports live with the code that consumes them (ARCHITECTURE.md); re-exported so the store's callers
// find every type of the Store in one place.
export type {
  Follower,
  FollowerEvent,
  FollowerEventInput,
  FollowerEventType,
} from '../followers/follower.js';
export type {
  FollowerCounts,
  FollowerFilter,
  FollowerQuery,
  FollowerRepo,
  FollowerSort,
  SceneStats,
  UnionIdConflict,
  UnionIdentity,
  UnionIdSource,
  UserInfoFields,
} from '../followers/follower-repo.js';
export type { SyncStateRepo } from '../followers/sync-state-repo.js';
export type {
  SyncOutcome,
  SyncRun,
  SyncRunCounts,
  SyncRunRepo,
  SyncTrigger,
} from '../followers/sync-run-repo.js';
export type {
  ConversationMessage,
  ConversationMessageInput,
  InboxCounts,
  InboxEntry,
  InboxQuery,
  MessageDirection,
  MessagePageQuery,
  MessageRepo,
} from '../kf/message-repo.js';
export type { OAuthIdentityInput, OAuthRepo, OAuthStateInput } from '../oauth/oauth-repo.js';

export type { ConsoleSessionRepo } from '../access/console-session-repo.js';
export type { AppIdentityInput, IdentityRepo } from '../identities/identity-repo.js';
export type { AuthFailurePolicy, AuthFailureRepo } from '../access/auth-failure-repo.js';

/** Everything wxoa keeps, on SQLite or PostgreSQL. */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  followers: FollowerRepo;
  messages: MessageRepo;
  oauth: OAuthRepo;
  syncState: SyncStateRepo;
  /** Every follower sync run, and the lease that lets one instance at a time sync an account. */
  syncRuns: SyncRunRepo;
  qrcodes: QrCodeRepo;
  tokens: TokenStore;
  replies: ReplyRecordStore;
  consoleSessions: ConsoleSessionRepo;
  authFailures: AuthFailureRepo;
  /** The last WeChat API failure of each account (cleared by a later success). */
  apiStatus: ApiFailureStore;
  /**
   * The store as the operator's side (admin API, console) uses it: on an SQLite file its reads are answered
   * by a read-only connection in a worker thread, so a long read never holds up a push; its writes are this
   * store's. Elsewhere (PostgreSQL, `sqlite::memory:`) the store itself.
   */
  readonly admin: Store;
  /** Identities of every app of the Open Platform, linked by UnionID (INTERFACE.md §8). */
  identities: IdentityRepo;
  /** The third-party platform's ticket, authorizers and their refresh tokens (INTERFACE.md §9). */
  component: ComponentRepo;
  /** The local copy of the account's tags, remarks and blacklist (issue 14). */
  tags: TagRepo;
  /** Tagging and blacklist jobs, and the lease that lets one instance at a time run each. */
  followerJobs: FollowerJobRepo;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
