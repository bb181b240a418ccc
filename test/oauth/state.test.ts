import { expect } from 'chai';
import { STATE_LENGTH, isWellFormedState, mintState } from '../../src/oauth/state.js';

describe('mintState', () => {
  it('makes 32 characters of [A-Za-z0-9], which WeChat accepts as state (≤128 bytes)', () => {
    const state = mintState();
    expect(state).to.match(/^[A-Za-z0-9]{32}$/);
    expect(STATE_LENGTH).to.equal(32);
    expect(Buffer.byteLength(state)).to.be.at.most(128);
  });

  it('makes a different state every time', () => {
    const states = new Set(Array.from({ length: 2000 }, () => mintState()));
    expect(states.size).to.equal(2000);
  });

  it('uses every base62 character about equally often (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      for (const char of mintState()) counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    expect(counts.size).to.equal(62);
    // With `byte % 62` the first 8 characters would come up 25 % more often than the rest
    // (5/256 against 4/256); here each of the 320 000 characters is uniform to within noise (~1.5 %).
    const alphabet = [...counts.keys()].sort();
    const values = alphabet.map((char) => counts.get(char) ?? 0);
    const expected = (10_000 * 32) / 62;
    for (const value of values) expect(value / expected).to.be.within(0.9, 1.1);
  });
});

describe('isWellFormedState', () => {
  it('accepts a minted state', () => {
    expect(isWellFormedState(mintState())).to.equal(true);
  });

  for (const bad of ['', 'abc', 'A'.repeat(31), 'A'.repeat(33), `${'A'.repeat(31)}-`, `${'A'.repeat(31)}é`]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      expect(isWellFormedState(bad)).to.equal(false);
    });
  }

  it('rejects a value that is not a string', () => {
    expect(isWellFormedState(['A'.repeat(32)])).to.equal(false);
  });
});
