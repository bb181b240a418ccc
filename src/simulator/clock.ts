import type { SimClock } from './types.js';

/** A clock that only moves when told to: token lifetimes and 48-hour windows tested in milliseconds. */
export class ManualClock implements SimClock {
  private time: number;

  constructor(start: number = Date.now()) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`clock.advance needs a non-negative number (got ${ms})`);
    this.time += ms;
  }
}

/** Real time plus an offset, so a standalone simulator can still jump ahead (e.g. past a token's expiry). */
export class OffsetClock implements SimClock {
  private offset = 0;

  /** How far `advance` moved it in total (kept in the simulator's state file). */
  get offsetMs(): number {
    return this.offset;
  }

  set offsetMs(ms: number) {
    if (Number.isFinite(ms) && ms >= 0) this.offset = ms;
  }

  now(): number {
    return Date.now() + this.offset;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`clock.advance needs a non-negative number (got ${ms})`);
    this.offset += ms;
  }
}

/** Unix seconds, the unit of CreateTime, timestamp and subscribe_time (§3.1). */
export function unixSeconds(clock: SimClock): number {
  return Math.floor(clock.now() / 1000);
}
