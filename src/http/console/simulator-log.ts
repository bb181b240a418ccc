import type { PushResult } from '../../simulator/index.js';

/** What one simulator-panel action was and what WeChat (the simulator) got back from the webhook. */
export interface SimulatorLogEntry {
  /** Unix ms. */
  readonly at: number;
  readonly openid: string;
  readonly kind: 'follow' | 'scan' | 'text' | 'click' | 'view' | 'unfollow';
  /** The scene, the text or the menu key; '' when the action has none. */
  readonly detail: string;
  readonly result: Pick<PushResult, 'status' | 'ms' | 'deliveries' | 'reply' | 'replyError'>;
}

const PER_FOLLOWER = 100;
const FOLLOWERS = 200;

/**
 * The simulator panel's memory of what it did, per simulated follower, newest last: the "phone" view shows
 * it with the customer-service messages the simulator received. It lives in memory and is capped: after a
 * restart the phone starts empty, while the simulator's own world (followers, windows, the messages it
 * received) is kept in its state file.
 */
export class SimulatorLog {
  readonly #byOpenid = new Map<string, SimulatorLogEntry[]>();

  /** Records an action; the oldest entries and followers are forgotten past the caps. */
  add(entry: SimulatorLogEntry): void {
    const list = this.#byOpenid.get(entry.openid) ?? [];
    // Re-inserted so the Map's order is "most recently active last".
    this.#byOpenid.delete(entry.openid);
    list.push(entry);
    if (list.length > PER_FOLLOWER) list.splice(0, list.length - PER_FOLLOWER);
    this.#byOpenid.set(entry.openid, list);
    if (this.#byOpenid.size > FOLLOWERS) {
      const oldest = this.#byOpenid.keys().next().value;
      if (oldest !== undefined) this.#byOpenid.delete(oldest);
    }
  }

  /** The actions taken as `openid`, oldest first. */
  entries(openid: string): readonly SimulatorLogEntry[] {
    return this.#byOpenid.get(openid) ?? [];
  }

  /** Openids the panel acted as, most recently active first. */
  openids(): string[] {
    return [...this.#byOpenid.keys()].reverse();
  }
}
