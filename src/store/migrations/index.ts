import type { Migration } from '../migrate.js';
import { initialSchema } from './0001-initial.js';
import { consoleRevocations } from './0002-console-revocations.js';
import { authFailures } from './0003-auth-failures.js';
import { inboxAndQrcodes } from './0004-inbox-and-qrcodes.js';
import { wechatApiStatus } from './0005-wechat-api-status.js';
import { unionIdConflicts } from './0006-unionid-conflicts.js';
import { followerCountsAndOrder } from './0007-follower-counts-and-order.js';
import { syncRuns } from './0008-sync-runs.js';
import { dataScale } from './0009-data-scale.js';
import { conversationCountTriggers } from './0010-conversation-count-triggers.js';
import { compactFollowerEvents } from './0011-compact-follower-events.js';
import { identities } from './0012-identities.js';
import { component } from './0013-component.js';
import { followerManagement } from './0014-follower-management.js';
import { adminReadIndexes } from './0015-admin-read-indexes.js';
import { countShardsPerConnection } from './0016-count-shards-per-connection.js';

/** Every schema step, oldest first. Append only. */
export const migrations: readonly Migration[] = [
  initialSchema,
  consoleRevocations,
  authFailures,
  inboxAndQrcodes,
  wechatApiStatus,
  unionIdConflicts,
  followerCountsAndOrder,
  syncRuns,
  dataScale,
  conversationCountTriggers,
  compactFollowerEvents,
  identities,
  component,
  followerManagement,
  adminReadIndexes,
  countShardsPerConnection,
];
