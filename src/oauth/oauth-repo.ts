import type { UnionIdConflict } from '../followers/follower-repo.js';

export interface OAuthStateInput {
  state: string;
  /** Hash of the browser-binding cookie value. */
  browserHash: string;
  target: string;
  /** `snsapi_login`: a website app's QR sign-in (INTERFACE.md §8). */
  scope: 'snsapi_base' | 'snsapi_userinfo' | 'snsapi_login';
  /** Unix milliseconds. */
  expiresAt: number;
  /** The website app of an `snsapi_login` state; absent (null) for the Official Account's own. */
  appid?: string | null;
}

export interface OAuthIdentityInput {
  appid: string;
  openid: string;
  unionid: string | null;
  scope: string;
  isSnapshotUser: boolean;
  nickname?: string | null;
  headimgurl?: string | null;
}

/** OAuth states and identities (INTERFACE.md §6). */
export interface OAuthRepo {
  saveState(state: OAuthStateInput): Promise<void>;
  /** Atomically deletes and returns the state (single use); null if unknown. Expiry is the caller's check. */
  takeState(state: string): Promise<(OAuthStateInput & { createdAt: number }) | null>;
  /**
   * Stores a visitor's identity. A UnionID already known for the OpenID (from an earlier sign-in or as a
   * follower of that account) is kept: a different one is recorded as a conflict. Returns the UnionID now
   * known for the OpenID (so an `snsapi_base` sign-in, which carries none, gets the known one) and the
   * conflicts found.
   */
  saveIdentity(
    identity: OAuthIdentityInput,
  ): Promise<{ unionid: string | null; conflicts: UnionIdConflict[] }>;
}
