import { expect } from 'chai';
import { MemoryReplyRecordStore } from '../../src/bot/memory-reply-store.js';
import { MemoryTokenStore } from '../../src/wechat-api/memory-token-store.js';
import { replyRecordStoreContract } from './reply-store-contract.js';
import { tokenStoreContract } from './token-store-contract.js';

describe('MemoryReplyRecordStore', () => {
  let now = 0;
  let store: MemoryReplyRecordStore;
  beforeEach(() => {
    now = 1_000_000;
    store = new MemoryReplyRecordStore({ clock: () => now });
  });

  replyRecordStoreContract({ store: () => store, advance: (ms) => (now += ms) });

  it('remembers at most max pushes, dropping the least recently used', async () => {
    const small = new MemoryReplyRecordStore({ max: 2, clock: () => now });
    await small.claim('a', 10_000);
    await small.claim('b', 10_000);
    await small.claim('a', 10_000); // touches a
    await small.claim('c', 10_000);
    expect(await small.peek('a')).to.deep.equal({ state: 'pending' });
    expect(await small.peek('b')).to.deep.equal({ state: 'new' });
    expect(await small.peek('c')).to.deep.equal({ state: 'pending' });
  });
});

describe('MemoryTokenStore', () => {
  let now = 0;
  let store: MemoryTokenStore;
  beforeEach(() => {
    now = 1_000_000;
    store = new MemoryTokenStore({ clock: () => now });
  });

  tokenStoreContract({ store: () => store, now: () => now });

  it('hands out copies, so a caller cannot change the stored token', async () => {
    const token = await store.refresh('wx1', null, 0, async () => ({ token: 't', expiresAt: now + 1000 }));
    token.token = 'changed';
    expect((await store.get('wx1'))?.token).to.equal('t');
  });
});
