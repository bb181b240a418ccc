import type { StoredToken, TokenStore } from './token-store.js';

/**
 * A TokenStore for one process (the client's default, and tests): tokens in a Map, refreshes serialized per
 * AppID so concurrent callers share one fetch. Several instances need the database store (store/).
 */
export class MemoryTokenStore implements TokenStore {
  readonly #tokens = new Map<string, StoredToken>();
  /** The tail of each AppID's queue of refreshes. */
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #clock: () => number;

  constructor(opts: { clock?: () => number } = {}) {
    this.#clock = opts.clock ?? Date.now;
  }

  /** The current token of `appid`, or null. */
  async get(appid: string): Promise<StoredToken | null> {
    return this.#tokens.get(appid) ?? null;
  }

  /** See TokenStore.refresh: a caller queued behind a refresh gets its result instead of fetching again. */
  refresh(
    appid: string,
    failedToken: string | null,
    minValidMs: number,
    fetch: () => Promise<StoredToken>,
  ): Promise<StoredToken> {
    const run = async (): Promise<StoredToken> => {
      const current = this.#tokens.get(appid);
      if (
        current !== undefined &&
        current.token !== failedToken &&
        current.expiresAt - this.#clock() >= minValidMs
      ) {
        return current;
      }
      const fresh = await fetch();
      this.#tokens.set(appid, fresh);
      return fresh;
    };
    const previous = this.#locks.get(appid) ?? Promise.resolve();
    const result = previous.then(run, run);
    const tail = result.catch(() => undefined);
    this.#locks.set(appid, tail);
    void tail.then(() => {
      if (this.#locks.get(appid) === tail) this.#locks.delete(appid);
    });
    return result;
  }
}
