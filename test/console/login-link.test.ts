import { expect } from 'chai';
import { LOGIN_LINK_TTL_MS, mintLoginToken, redeemLoginToken } from '../../src/http/console/login-link.js';
import { openStore, type Store } from '../../src/store/index.js';

/** One-time login tokens, on a real (in-memory SQLite) store. */
describe('one-time console login tokens', () => {
  let store: Store;
  const now = 1_800_000_000_000;

  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
  });

  afterEach(async () => {
    await store.close();
  });

  it('work exactly once', async () => {
    const token = await mintLoginToken(store.oauth, now);
    expect(await redeemLoginToken(store.oauth, token, now + 1000)).to.equal(true);
    expect(await redeemLoginToken(store.oauth, token, now + 2000)).to.equal(false);
  });

  it('stop working after their lifetime, and cannot be retried', async () => {
    const token = await mintLoginToken(store.oauth, now);
    expect(await redeemLoginToken(store.oauth, token, now + LOGIN_LINK_TTL_MS)).to.equal(false);
    expect(await redeemLoginToken(store.oauth, token, now)).to.equal(false);
  });

  it('are stored hashed, and an OAuth state is no login token', async () => {
    const token = await mintLoginToken(store.oauth, now);
    expect(await store.oauth.takeState(token)).to.equal(null);
    const state = 'S'.repeat(32);
    await store.oauth.saveState({
      state,
      browserHash: 'h',
      target: '/',
      scope: 'snsapi_base',
      expiresAt: now + 60_000,
    });
    expect(await redeemLoginToken(store.oauth, state, now)).to.equal(false);
    expect(await store.oauth.takeState(state)).to.not.equal(null);
  });

  it('refuse anything not shaped like a token without touching the store', async () => {
    for (const bad of ['', 'short', '../../etc', 'A'.repeat(33), 'é'.repeat(32)]) {
      expect(await redeemLoginToken(store.oauth, bad, now)).to.equal(false);
    }
  });
});
