import { expect } from 'chai';
import type { StoredToken, TokenStore } from '../../src/wechat-api/token-store.js';

/** What a test controls: the store under test and the clock it reads. */
export interface TokenStoreFixture {
  store: () => TokenStore;
  now: () => number;
}

/** A fetch that counts its calls and hands out token-1, token-2, … valid for two hours. */
export function countingFetch(
  now: () => number,
  delayMs = 0,
): { fetch: () => Promise<StoredToken>; calls: () => number } {
  let calls = 0;
  return {
    fetch: async () => {
      calls++;
      const n = calls;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { token: `token-${n}`, expiresAt: now() + 7_200_000 };
    },
    calls: () => calls,
  };
}

/** The TokenStore behaviour every implementation shares. */
export function tokenStoreContract(fixture: TokenStoreFixture): void {
  const store = () => fixture.store();
  const minute = 60_000;

  it('has no token for an account never refreshed', async () => {
    expect(await store().get('wx1')).to.equal(null);
  });

  it('fetches and stores a token on the first refresh', async () => {
    const source = countingFetch(fixture.now);
    const token = await store().refresh('wx1', null, 5 * minute, source.fetch);
    expect(token.token).to.equal('token-1');
    expect(await store().get('wx1')).to.deep.equal(token);
    expect(source.calls()).to.equal(1);
  });

  it('returns the stored token without fetching while it stays valid long enough', async () => {
    const source = countingFetch(fixture.now);
    await store().refresh('wx1', null, 5 * minute, source.fetch);
    const again = await store().refresh('wx1', null, 5 * minute, source.fetch);
    expect(again.token).to.equal('token-1');
    expect(source.calls()).to.equal(1);
  });

  it('fetches again when the stored token is the one the API rejected', async () => {
    const source = countingFetch(fixture.now);
    await store().refresh('wx1', null, 5 * minute, source.fetch);
    const fresh = await store().refresh('wx1', 'token-1', 5 * minute, source.fetch);
    expect(fresh.token).to.equal('token-2');
    expect((await store().get('wx1'))?.token).to.equal('token-2');
  });

  it('fetches again when the stored token expires within minValidMs', async () => {
    const source = countingFetch(fixture.now);
    await store().refresh('wx1', null, 5 * minute, source.fetch);
    const fresh = await store().refresh('wx1', null, 7_200_000 + 1, source.fetch);
    expect(fresh.token).to.equal('token-2');
  });

  it('shares one fetch among concurrent refreshes', async () => {
    const source = countingFetch(fixture.now, 20);
    const tokens = await Promise.all(
      Array.from({ length: 10 }, () => store().refresh('wx1', null, 5 * minute, source.fetch)),
    );
    expect(source.calls()).to.equal(1);
    expect(new Set(tokens.map((t) => t.token))).to.deep.equal(new Set(['token-1']));
  });

  it('passes a failed fetch to every waiting caller and lets the next refresh try again', async () => {
    const failing = () =>
      new Promise<StoredToken>((_, reject) => setTimeout(() => reject(new Error('down')), 10));
    const results = await Promise.allSettled([
      store().refresh('wx1', null, minute, failing),
      store().refresh('wx1', null, minute, failing),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    expect(await store().get('wx1')).to.equal(null);
    const source = countingFetch(fixture.now);
    expect((await store().refresh('wx1', null, minute, source.fetch)).token).to.equal('token-1');
  });

  it('keeps accounts apart', async () => {
    const a = countingFetch(fixture.now);
    const b = countingFetch(fixture.now);
    await Promise.all([
      store().refresh('wxA', null, minute, a.fetch),
      store().refresh('wxB', null, minute, b.fetch),
    ]);
    expect(a.calls()).to.equal(1);
    expect(b.calls()).to.equal(1);
  });
}
