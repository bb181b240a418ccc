import { wxError } from './api-errors.js';

/**
 * The customer-service window of one follower (§6.7): a message from the user allows 5 messages within
 * 48 hours; a follow, a QR scan or a menu click (click / scancode_push / scancode_waitmsg) allows 3 within
 * 1 minute. A new interaction of a kind replaces that kind's allowance.
 */
export const MESSAGE_WINDOW_MS = 48 * 3600_000;
export const MESSAGE_WINDOW_QUOTA = 5;
export const EVENT_WINDOW_MS = 60_000;
export const EVENT_WINDOW_QUOTA = 3;
/** Typing needs an interaction within 30 s, lasts 15 s and cannot be re-sent while on (§6.7). */
export const TYPING_NEEDS_INTERACTION_MS = 30_000;
export const TYPING_LASTS_MS = 15_000;

export interface Allowance {
  until: number;
  remaining: number;
}

/** What a ServiceWindow keeps, as saved in the simulator's state file. */
export interface ServiceWindowState {
  message?: Allowance | undefined;
  event?: Allowance | undefined;
  typingUntil?: number | undefined;
  lastInteractionAt?: number | undefined;
}

/** Window state and typing indicator of one (account, openid). */
export class ServiceWindow {
  private message: Allowance | undefined;
  private event: Allowance | undefined;
  private typingUntil: number | undefined;
  /** The user's last interaction (ms), for the typing rule. */
  lastInteractionAt: number | undefined;

  snapshot(): ServiceWindowState {
    return {
      message: this.message && { ...this.message },
      event: this.event && { ...this.event },
      typingUntil: this.typingUntil,
      lastInteractionAt: this.lastInteractionAt,
    };
  }

  restore(state: ServiceWindowState): void {
    this.message = state.message && { ...state.message };
    this.event = state.event && { ...state.event };
    this.typingUntil = state.typingUntil;
    this.lastInteractionAt = state.lastInteractionAt;
  }

  /** The user sent a message. */
  onMessage(now: number): void {
    this.message = { until: now + MESSAGE_WINDOW_MS, remaining: MESSAGE_WINDOW_QUOTA };
    this.lastInteractionAt = now;
  }

  /** The user followed, scanned or clicked. */
  onEvent(now: number): void {
    this.event = { until: now + EVENT_WINDOW_MS, remaining: EVENT_WINDOW_QUOTA };
    this.lastInteractionAt = now;
  }

  /** Unfollowing closes everything. */
  close(): void {
    this.message = this.event = this.typingUntil = this.lastInteractionAt = undefined;
  }

  /**
   * Takes one message from the allowance that ends first: 45015 when no window is open, 45047 when the
   * open ones are used up. Sending cancels typing.
   */
  consume(now: number): void {
    const open = [this.message, this.event].filter((a): a is Allowance => a !== undefined && now < a.until);
    if (open.length === 0) throw wxError(45015);
    const usable = open.filter((a) => a.remaining > 0).sort((a, b) => a.until - b.until)[0];
    if (!usable) throw wxError(45047);
    usable.remaining--;
    this.typingUntil = undefined;
  }

  /** message/custom/typing: 45072 bad command, 45080 no interaction in 30 s, 45081 already typing. */
  typing(now: number, command: unknown): void {
    if (command !== 'Typing' && command !== 'CancelTyping') throw wxError(45072);
    if (command === 'CancelTyping') {
      this.typingUntil = undefined;
      return;
    }
    if (this.lastInteractionAt === undefined || now - this.lastInteractionAt > TYPING_NEEDS_INTERACTION_MS) {
      throw wxError(45080);
    }
    if (this.typingUntil !== undefined && now < this.typingUntil) throw wxError(45081);
    this.typingUntil = now + TYPING_LASTS_MS;
  }
}
