import type { StoredToken, TokenStore } from './token-store.js';
import { SingleFlight } from './single-flight.js';
import { isTokenUsable } from './token-usable.js';

/** Options of {@link MemoryTokenStore}. */
export interface MemoryTokenStoreOptions {
  /** Unix milliseconds; injectable for tests. */
  clock?: () => number;
}

/**
 * Access tokens in this process only: for tests and library use without a database. Concurrent refresh()
 * calls for one account share a single fetch.
 */
export class MemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, StoredToken>();
  private readonly flights = new SingleFlight<string, StoredToken>();
  private readonly clock: () => number;

  constructor(options: MemoryTokenStoreOptions = {}) {
    this.clock = options.clock ?? Date.now;
  }

  async get(appid: string): Promise<StoredToken | null> {
    const token = this.tokens.get(appid);
    return token ? { ...token } : null;
  }

  refresh(
    appid: string,
    failedToken: string | null,
    minValidMs: number,
    fetch: () => Promise<StoredToken>,
  ): Promise<StoredToken> {
    return this.flights.run(appid, async () => {
      const current = this.tokens.get(appid);
      if (current && isTokenUsable(current, failedToken, minValidMs, this.clock())) return { ...current };
      const fresh = await fetch();
      this.tokens.set(appid, { token: fresh.token, expiresAt: fresh.expiresAt });
      return { ...fresh };
    });
  }
}
