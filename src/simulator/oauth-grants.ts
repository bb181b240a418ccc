import { wxError } from './api-errors.js';
import { newAccessToken, newOAuthCode } from './ids.js';
import type { SimClock } from './types.js';

/** Lifetimes of web authorization (§6.8). */
export const OAUTH_CODE_TTL_MS = 5 * 60_000;
export const SNS_TOKEN_TTL_MS = 7200_000;
export const REFRESH_TOKEN_TTL_MS = 30 * 86_400_000;

/**
 * The two scopes of the Official Account authorize page (§6.8), and `snsapi_login` of a website app's QR
 * sign-in (§9; a mobile app's SDK grants `snsapi_userinfo`).
 */
export type OAuthScope = 'snsapi_base' | 'snsapi_userinfo' | 'snsapi_login';

/** Who authorized what: what a code, an OAuth token and a refresh token all stand for. */
export interface OAuthSubject {
  appid: string;
  openid: string;
  unionid: string;
  scope: OAuthScope;
  /** An app not bound to the Open Platform: WeChat never tells its UnionIDs. */
  unbound?: boolean | undefined;
}

export interface CodeRecord extends OAuthSubject {
  issuedAt: number;
  used: boolean;
}

export interface ExpiringGrant extends OAuthSubject {
  expiresAt: number;
}

/** The answer of /sns/oauth2/access_token and /sns/oauth2/refresh_token. */
export interface SnsTokenGrant {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  openid: string;
  scope: OAuthScope;
  unionid?: string;
}

/** What OAuthGrants keeps, as saved in the simulator's state file. */
export interface OAuthGrantsState {
  sequence: number;
  codes: Array<[string, CodeRecord]>;
  tokens: Array<[string, ExpiringGrant]>;
  refreshTokens: Array<[string, ExpiringGrant]>;
}

/** One-time codes, OAuth access tokens (not the base access_token) and refresh tokens. */
export class OAuthGrants {
  private sequence = 80;
  private readonly codes = new Map<string, CodeRecord>();
  private readonly tokens = new Map<string, ExpiringGrant>();
  private readonly refreshTokens = new Map<string, ExpiringGrant>();

  constructor(private readonly clock: SimClock) {}

  /** The live grants (expired ones are left out: nothing can use them any more). */
  snapshot(): OAuthGrantsState {
    const now = this.clock.now();
    return {
      sequence: this.sequence,
      codes: [...this.codes].filter(([, r]) => now - r.issuedAt < OAUTH_CODE_TTL_MS),
      tokens: [...this.tokens].filter(([, r]) => now < r.expiresAt),
      refreshTokens: [...this.refreshTokens].filter(([, r]) => now < r.expiresAt),
    };
  }

  restore(state: OAuthGrantsState): void {
    this.sequence = state.sequence;
    for (const [map, entries] of [
      [this.codes, state.codes],
      [this.tokens, state.tokens],
      [this.refreshTokens, state.refreshTokens],
    ] as const) {
      map.clear();
      for (const [key, record] of entries) (map as Map<string, typeof record>).set(key, { ...record });
    }
  }

  /** A code for the redirect after the user approved. */
  issueCode(subject: OAuthSubject): string {
    const code = newOAuthCode();
    this.codes.set(code, { ...subject, issuedAt: this.clock.now(), used: false });
    return code;
  }

  /** Who a code of `appid` stands for, without using it; undefined when unknown. */
  peek(appid: string, code: string): OAuthSubject | undefined {
    const record = this.codes.get(code);
    return record && record.appid === appid ? subjectOf(record) : undefined;
  }

  /** Exchanges a code once: 40029 unknown (or another app's), 40163 used, 42003 older than 5 minutes. */
  exchange(appid: string, code: string): SnsTokenGrant {
    const record = this.codes.get(code);
    if (!record || record.appid !== appid) throw wxError(40029);
    if (record.used) throw wxError(40163);
    if (this.clock.now() - record.issuedAt >= OAUTH_CODE_TTL_MS) throw wxError(42003);
    record.used = true;
    const refreshToken = newAccessToken(this.sequence++);
    this.refreshTokens.set(refreshToken, {
      ...subjectOf(record),
      expiresAt: this.clock.now() + REFRESH_TOKEN_TTL_MS,
    });
    return this.mintToken(subjectOf(record), refreshToken);
  }

  /** A new OAuth token for a refresh token (valid 30 days): 40030 unknown, 42002 expired. */
  refresh(appid: string, refreshToken: string): SnsTokenGrant {
    const record = this.refreshTokens.get(refreshToken);
    if (!record || record.appid !== appid) throw wxError(40030);
    if (this.clock.now() >= record.expiresAt) throw wxError(42002);
    return this.mintToken(subjectOf(record), refreshToken);
  }

  /** What an OAuth token grants: 41001 missing, 40001 unknown, 42001 expired, 40003 another user's openid. */
  check(token: string | undefined, openid: string | undefined): OAuthSubject {
    if (token === undefined || token === '') throw wxError(41001);
    const record = this.tokens.get(token);
    if (!record) throw wxError(40001);
    if (this.clock.now() >= record.expiresAt) throw wxError(42001);
    if (openid !== undefined && openid !== record.openid) throw wxError(40003);
    return subjectOf(record);
  }

  private mintToken(subject: OAuthSubject, refreshToken: string): SnsTokenGrant {
    const token = newAccessToken(this.sequence++);
    this.tokens.set(token, { ...subject, expiresAt: this.clock.now() + SNS_TOKEN_TTL_MS });
    return {
      access_token: token,
      expires_in: SNS_TOKEN_TTL_MS / 1000,
      refresh_token: refreshToken,
      openid: subject.openid,
      scope: subject.scope,
      // unionid comes back only for snsapi_userinfo and snsapi_login, and only from a bound app (every
      // simulated Official Account is bound to the Open Platform).
      ...(subject.scope !== 'snsapi_base' && !subject.unbound ? { unionid: subject.unionid } : {}),
    };
  }
}

function subjectOf(r: OAuthSubject): OAuthSubject {
  return {
    appid: r.appid,
    openid: r.openid,
    unionid: r.unionid,
    scope: r.scope,
    ...(r.unbound ? { unbound: true } : {}),
  };
}
