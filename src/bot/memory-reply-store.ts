import { LRUCache } from 'lru-cache';
import type { ReplyRecord, ReplyRecordStore } from './reply-store.js';

/** Options of {@link MemoryReplyRecordStore}. */
export interface MemoryReplyRecordStoreOptions {
  /** Most pushes remembered; the least recently used go first. WeChat retries within ~15 s, so this is ample. */
  max?: number;
  /** Unix milliseconds; injectable for tests. */
  clock?: () => number;
}

type Entry = { state: 'pending' } | { state: 'done'; reply: string };

/**
 * Webhook dedup records in this process only (a single instance without a database, tests). Bounded in count
 * and each entry expires: a pending claim when its lease runs out, a reply after its TTL.
 */
export class MemoryReplyRecordStore implements ReplyRecordStore {
  private readonly cache: LRUCache<string, Entry>;

  constructor(options: MemoryReplyRecordStoreOptions = {}) {
    const clock = options.clock ?? Date.now;
    this.cache = new LRUCache<string, Entry>({
      max: options.max ?? 10_000,
      // lru-cache keeps the TTLs on the injected clock; resolution 0 reads it on every check.
      perf: { now: clock },
      ttlResolution: 0,
    });
  }

  async claim(key: string, leaseMs: number): Promise<ReplyRecord> {
    const entry = this.cache.get(key);
    if (entry) return toRecord(entry);
    this.cache.set(key, { state: 'pending' }, { ttl: leaseMs });
    return { state: 'new' };
  }

  async finish(key: string, reply: string, ttlMs: number): Promise<void> {
    this.cache.set(key, { state: 'done', reply }, { ttl: ttlMs });
  }

  async peek(key: string): Promise<ReplyRecord> {
    const entry = this.cache.get(key, { updateAgeOnGet: false });
    return entry ? toRecord(entry) : { state: 'new' };
  }

  async release(key: string): Promise<void> {
    if (this.cache.get(key)?.state === 'pending') this.cache.delete(key);
  }
}

function toRecord(entry: Entry): ReplyRecord {
  return entry.state === 'done' ? { state: 'done', reply: entry.reply } : { state: 'pending' };
}
