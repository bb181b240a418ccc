import { randomFillSync } from 'node:crypto';

/**
 * One `randomFillSync` call per 4 KiB instead of one `randomBytes(16)` per reply: the per-call overhead
 * (~5 µs, ../shared/bench/micro.md) was a third of an encrypted reply's cost. The bytes are the same
 * CSPRNG output; each byte is handed out once.
 */
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

/** Copies `length` fresh random bytes into `target` at `start`. */
export function fillRandom(target: Buffer, start: number, length: number): void {
  if (length > POOL_SIZE) {
    randomFillSync(target, start, length);
    return;
  }
  if (offset + length > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  pool.copy(target, start, offset, offset + length);
  offset += length;
}
