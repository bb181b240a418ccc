/**
 * Where access tokens live, so several instances share one token and one refresh
 * (issue 3; the database implementation lives in store/).
 */
export interface StoredToken {
  token: string;
  /** Unix milliseconds when WeChat stops accepting the token. */
  expiresAt: number;
}

export interface TokenStore {
  /** The current token of `appid`, or null. */
  get(appid: string): Promise<StoredToken | null>;
  /**
   * Refreshes under the store's lock: if the stored token is still valid for `minValidMs` and is not
   * `failedToken`, it is returned as is (another caller or instance already refreshed); otherwise `fetch`
   * is called once and its result stored. Concurrent callers share one `fetch`.
   */
  refresh(
    appid: string,
    failedToken: string | null,
    minValidMs: number,
    fetch: () => Promise<StoredToken>,
  ): Promise<StoredToken>;
}
