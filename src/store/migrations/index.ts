import type { Migration } from '../migrate.js';
import { initialSchema } from './0001-initial.js';
import { unionIdConflicts } from './0006-unionid-conflicts.js';

/** Every schema step, oldest first. Append only. */
export const migrations: readonly Migration[] = [initialSchema, unionIdConflicts];
