import type { Migration } from '../migrate.js';
import { initialSchema } from './0001-initial.js';

/** Every schema step, oldest first. Append only. */
export const migrations: readonly Migration[] = [initialSchema];
