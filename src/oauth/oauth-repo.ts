export interface OAuthStateInput {
  state: string;
  /** Hash of the browser-binding cookie value. */
  browserHash: string;
  target: string;
  scope: 'snsapi_base' | 'snsapi_userinfo';
  /** Unix milliseconds. */
  expiresAt: number;
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
  saveIdentity(identity: OAuthIdentityInput): Promise<void>;
}
