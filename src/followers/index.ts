/** Followers: capture from pushes, enrichment from user/info, sync with user/get, export (INTERFACE.md §4). */
export {
  captureFollowers,
  followerEvent,
  FOLLOWER_EVENT_TYPES,
  type FollowerCaptureOptions,
} from './capture.js';
export {
  BATCH_SIZE,
  EnrichmentWorker,
  type EnrichmentPass,
  type EnrichmentWorkerOptions,
  type UserInfoSource,
} from './enrichment.js';
export {
  CSV_COLUMNS,
  EXPORT_FORMATS,
  csvCell,
  csvRow,
  exportFollowers,
  jsonlRow,
  neutraliseFormula,
  type ExportFormat,
  type ExportOptions,
} from './export.js';
export type { Follower, FollowerEvent, FollowerEventInput, FollowerEventType } from './follower.js';
export { followerJson } from './follower-json.js';
export {
  FOLLOWER_SORTS,
  InvalidCursorError,
  type FollowerCounts,
  type FollowerFilter,
  type FollowerQuery,
  type FollowerSort,
  type FollowerRepo,
  type SceneStats,
  type UnionIdentity,
  type UserInfoFields,
} from './follower-repo.js';
export {
  createPeriodicSync,
  syncFollowers,
  USER_GET_PAGE_SIZE,
  type FollowerListPage,
  type PeriodicSync,
  type PeriodicSyncOptions,
  type SyncAccount,
  type SyncApi,
  type SyncOptions,
  type SyncProgress,
  type SyncResult,
} from './sync.js';
export type { SyncStateRepo } from './sync-state-repo.js';
export { createSyncProgress, type SyncProgressOptions, type SyncProgressReporter } from './sync-progress.js';
