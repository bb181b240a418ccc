import type { Migration } from '../migrate.js';
import { initialSchema } from './0001-initial.js';
import { inboxAndQrcodes } from './0004-inbox-and-qrcodes.js';

/** Every schema step, oldest first. Append only. */
export const migrations: readonly Migration[] = [initialSchema, inboxAndQrcodes];
