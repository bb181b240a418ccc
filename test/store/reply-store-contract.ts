import { expect } from 'chai';
import type { ReplyRecordStore } from '../../src/bot/reply-store.js';

/** What a test controls: the store under test and the clock it reads. */
export interface ReplyStoreFixture {
  store: () => ReplyRecordStore;
  /** Moves the store's clock forward. */
  advance: (ms: number) => void;
}

/** The ReplyRecordStore behaviour every implementation shares (INTERFACE.md §3 dedup). */
export function replyRecordStoreContract(fixture: ReplyStoreFixture): void {
  const store = () => fixture.store();

  it('gives new to the first claim and pending to a retry while it is handled', async () => {
    expect(await store().claim('k', 10_000)).to.deep.equal({ state: 'new' });
    expect(await store().claim('k', 10_000)).to.deep.equal({ state: 'pending' });
    expect(await store().peek('k')).to.deep.equal({ state: 'pending' });
  });

  it('answers a retry with the recorded reply once finished', async () => {
    await store().claim('k', 10_000);
    await store().finish('k', '<xml>hi</xml>', 60_000);
    expect(await store().claim('k', 10_000)).to.deep.equal({ state: 'done', reply: '<xml>hi</xml>' });
    expect(await store().peek('k')).to.deep.equal({ state: 'done', reply: '<xml>hi</xml>' });
  });

  it('peeks new for an unknown key without claiming it', async () => {
    expect(await store().peek('unknown')).to.deep.equal({ state: 'new' });
    expect(await store().claim('unknown', 10_000)).to.deep.equal({ state: 'new' });
  });

  it('gives new to exactly one of many concurrent claims', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => store().claim('race', 10_000)));
    expect(results.filter((r) => r.state === 'new')).to.have.length(1);
    expect(results.filter((r) => r.state === 'pending')).to.have.length(19);
  });

  it('lets a claim whose lease ran out be claimed again, and only once', async () => {
    await store().claim('k', 5_000);
    fixture.advance(4_999);
    expect(await store().claim('k', 5_000)).to.deep.equal({ state: 'pending' });
    fixture.advance(2);
    const again = await Promise.all([store().claim('k', 5_000), store().claim('k', 5_000)]);
    expect(again.map((r) => r.state).sort()).to.deep.equal(['new', 'pending']);
  });

  it('frees a released claim for the next delivery', async () => {
    await store().claim('k', 10_000);
    await store().release('k');
    expect(await store().peek('k')).to.deep.equal({ state: 'new' });
    expect(await store().claim('k', 10_000)).to.deep.equal({ state: 'new' });
  });

  it('keeps a finished reply when released', async () => {
    await store().claim('k', 10_000);
    await store().finish('k', 'success', 60_000);
    await store().release('k');
    expect(await store().claim('k', 10_000)).to.deep.equal({ state: 'done', reply: 'success' });
  });

  it('forgets a reply after its TTL', async () => {
    await store().claim('k', 10_000);
    await store().finish('k', 'success', 30_000);
    fixture.advance(29_000);
    expect(await store().peek('k')).to.deep.equal({ state: 'done', reply: 'success' });
    fixture.advance(2_000);
    expect(await store().peek('k')).to.deep.equal({ state: 'new' });
    expect(await store().claim('k', 10_000)).to.deep.equal({ state: 'new' });
  });

  it('keeps keys apart', async () => {
    await store().claim('a', 10_000);
    await store().finish('a', 'A', 60_000);
    expect(await store().claim('b', 10_000)).to.deep.equal({ state: 'new' });
    expect(await store().peek('a')).to.deep.equal({ state: 'done', reply: 'A' });
  });
}
