import { wxError } from './api-errors.js';
import { ACCESS_TOKEN_SHAPE, newAccessToken } from './ids.js';
import type { SimClock } from './types.js';

/** Lifetimes and quotas of §6.1. */
export const TOKEN_TTL_MS = 7200_000;
/** A replaced /cgi-bin/token token keeps working this long; stable_token renews this long before expiry. */
export const TOKEN_OVERLAP_MS = 300_000;
/** force_refresh: at most 20 a day, at least 30 s apart — a call within 30 s "does not refresh" (official doc). */
export const FORCE_REFRESH_PER_DAY = 20;
export const FORCE_REFRESH_GAP_MS = 30_000;
/** The legacy /cgi-bin/token quota of an Official Account (§6.1, §9). */
export const TOKEN_CALLS_PER_DAY = 2000;

type Family = 'token' | 'stable';

export interface TokenRecord {
  readonly value: string;
  readonly appid: string;
  readonly family: Family;
  readonly expiresAt: number;
  /** When it stops working before its expiry: replaced (+5 min), force-refreshed or invalidated. */
  revokedAt: number | undefined;
}

/** The access-token answer of both endpoints. */
export interface TokenGrant {
  access_token: string;
  expires_in: number;
}

/** WeChat's quota day starts at midnight Beijing time (UTC+8). */
function quotaDay(ms: number): number {
  return Math.floor((ms + 8 * 3600_000) / 86_400_000);
}

/** What AccessTokens keeps, as saved in the simulator's state file. */
export interface AccessTokensState {
  sequence: number;
  tokens: TokenRecord[];
  /** AppID → the value of its current stable token. */
  currentStable: Record<string, string>;
  forceRefreshes: Record<string, { day: number; count: number; lastAt: number }>;
  tokenCalls: Record<string, { day: number; count: number }>;
}

/**
 * The base access tokens of all accounts. The two endpoints' tokens are fully isolated (§6.1): a call to one
 * never affects the other's tokens.
 */
export class AccessTokens {
  private sequence = 80;
  private readonly byValue = new Map<string, TokenRecord>();
  private readonly byAccount = new Map<string, TokenRecord[]>();
  private readonly currentStable = new Map<string, TokenRecord>();
  private readonly forceRefreshes = new Map<string, { day: number; count: number; lastAt: number }>();
  private readonly tokenCalls = new Map<string, { day: number; count: number }>();

  constructor(private readonly clock: SimClock) {}

  snapshot(): AccessTokensState {
    return {
      sequence: this.sequence,
      tokens: [...this.byAccount.values()].flat().map((r) => ({ ...r })),
      currentStable: Object.fromEntries([...this.currentStable].map(([appid, r]) => [appid, r.value])),
      forceRefreshes: Object.fromEntries(this.forceRefreshes),
      tokenCalls: Object.fromEntries(this.tokenCalls),
    };
  }

  /** Replaces everything with a saved state: tokens issued before a restart keep working until they expire. */
  restore(state: AccessTokensState): void {
    this.sequence = state.sequence;
    this.byValue.clear();
    this.byAccount.clear();
    this.currentStable.clear();
    for (const saved of state.tokens) {
      const record: TokenRecord = { ...saved, revokedAt: saved.revokedAt ?? undefined };
      this.byValue.set(record.value, record);
      this.byAccount.set(record.appid, [...(this.byAccount.get(record.appid) ?? []), record]);
    }
    for (const [appid, value] of Object.entries(state.currentStable)) {
      const record = this.byValue.get(value);
      if (record) this.currentStable.set(appid, record);
    }
    this.forceRefreshes.clear();
    for (const [appid, v] of Object.entries(state.forceRefreshes)) this.forceRefreshes.set(appid, { ...v });
    this.tokenCalls.clear();
    for (const [appid, v] of Object.entries(state.tokenCalls)) this.tokenCalls.set(appid, { ...v });
  }

  /** GET /cgi-bin/token: a new token on every call; the previous ones keep working 5 minutes only. */
  issue(appid: string): TokenGrant {
    const now = this.clock.now();
    const day = quotaDay(now);
    const calls = this.tokenCalls.get(appid);
    const count = calls && calls.day === day ? calls.count : 0;
    if (count >= TOKEN_CALLS_PER_DAY) throw wxError(45009, 'cgi-bin/token daily quota; use stable_token');
    this.tokenCalls.set(appid, { day, count: count + 1 });
    for (const old of this.tokensOf(appid)) {
      if (old.family === 'token') old.revokedAt = Math.min(old.revokedAt ?? Infinity, now + TOKEN_OVERLAP_MS);
    }
    return this.grant(this.mint(appid, 'token', now), now);
  }

  /**
   * POST /cgi-bin/stable_token. Normal mode returns the current token until its last 5 minutes, then a new
   * one (the old one still works until it expires, so expires_in is always ≥ 300). force_refresh revokes the
   * current token at once, 20 times a day; within 30 s of the previous force it "does not refresh".
   */
  stable(appid: string, forceRefresh: boolean): TokenGrant {
    const now = this.clock.now();
    let current = this.currentStable.get(appid);
    if (current && !this.usable(current, now)) current = undefined;
    if (forceRefresh) {
      const day = quotaDay(now);
      const state = this.forceRefreshes.get(appid);
      const tooSoon = state !== undefined && now - state.lastAt < FORCE_REFRESH_GAP_MS;
      if (!tooSoon || !current) {
        const count = state && state.day === day ? state.count : 0;
        if (count >= FORCE_REFRESH_PER_DAY) throw wxError(45009, 'force_refresh is limited to 20 a day');
        this.forceRefreshes.set(appid, { day, count: count + 1, lastAt: now });
        for (const old of this.tokensOf(appid)) {
          if (old.family === 'stable') old.revokedAt = Math.min(old.revokedAt ?? Infinity, now);
        }
        current = undefined;
      }
    }
    if (!current || current.expiresAt - now <= TOKEN_OVERLAP_MS) {
      current = this.mint(appid, 'stable', now);
      this.currentStable.set(appid, current);
    }
    return this.grant(current, now);
  }

  /**
   * The account a token belongs to, or WeChat's error: 41001 missing, 40014 malformed, 40001 unknown or
   * replaced/revoked, 42001 past its natural expiry (§7).
   */
  check(value: string | undefined): string {
    if (value === undefined || value === '') throw wxError(41001);
    if (!ACCESS_TOKEN_SHAPE.test(value)) throw wxError(40014);
    const record = this.byValue.get(value);
    if (!record) throw wxError(40001);
    const now = this.clock.now();
    if (this.usable(record, now)) return record.appid;
    const revokedFirst = record.revokedAt !== undefined && record.revokedAt < record.expiresAt;
    throw revokedFirst ? wxError(40001, 'access_token replaced or revoked') : wxError(42001);
  }

  /** The account a token was issued to, valid or not; undefined for a token never issued. */
  owner(value: string): string | undefined {
    return this.byValue.get(value)?.appid;
  }

  /** Revokes every token of the account now (a leaked token reset, or `Simulator.invalidateTokens`). */
  invalidate(appid: string): void {
    const now = this.clock.now();
    for (const record of this.tokensOf(appid)) record.revokedAt = Math.min(record.revokedAt ?? Infinity, now);
    this.currentStable.delete(appid);
  }

  private usable(record: TokenRecord, now: number): boolean {
    return now < record.expiresAt && (record.revokedAt === undefined || now < record.revokedAt);
  }

  private tokensOf(appid: string): TokenRecord[] {
    const now = this.clock.now();
    const list = (this.byAccount.get(appid) ?? []).filter((r) => {
      // Long-dead tokens are forgotten; using one then answers 40001 like any unknown token.
      const dead = Math.min(r.expiresAt, r.revokedAt ?? Infinity) + TOKEN_TTL_MS < now;
      if (dead) this.byValue.delete(r.value);
      return !dead;
    });
    this.byAccount.set(appid, list);
    return list;
  }

  private mint(appid: string, family: Family, now: number): TokenRecord {
    const record: TokenRecord = {
      value: newAccessToken(this.sequence++),
      appid,
      family,
      expiresAt: now + TOKEN_TTL_MS,
      revokedAt: undefined,
    };
    this.byValue.set(record.value, record);
    this.tokensOf(appid).push(record);
    return record;
  }

  private grant(record: TokenRecord, now: number): TokenGrant {
    return { access_token: record.value, expires_in: Math.floor((record.expiresAt - now) / 1000) };
  }
}
