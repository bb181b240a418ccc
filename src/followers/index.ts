/** Followers: capture from pushes, enrichment from user/info, sync with user/get, export (INTERFACE.md §4). */
export { captureFollowers, followerEvent, type FollowerCaptureOptions } from './capture.js';
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
export { followerJson } from './follower-json.js';
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
export { createSyncProgress, type SyncProgressOptions, type SyncProgressReporter } from './sync-progress.js';
