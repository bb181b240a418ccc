import { expect } from 'chai';
import { hashBrowserId, mintBrowserId } from '../../src/oauth/browser-id.js';

describe('mintBrowserId', () => {
  it('makes 32 random base62 characters, different each time', () => {
    const a = mintBrowserId();
    expect(a).to.match(/^[A-Za-z0-9]{32}$/);
    expect(mintBrowserId()).to.not.equal(a);
  });
});

describe('hashBrowserId', () => {
  it('is the SHA-256 of the id in lowercase hex (FIPS 180-2 vector for "abc")', () => {
    expect(hashBrowserId('abc')).to.equal('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('gives different hashes for different ids and the same hash for the same id', () => {
    const id = mintBrowserId();
    expect(hashBrowserId(id)).to.equal(hashBrowserId(id));
    expect(hashBrowserId(id)).to.not.equal(hashBrowserId(`${id}x`));
  });

  it('does not contain the id', () => {
    const id = mintBrowserId();
    expect(hashBrowserId(id)).to.not.include(id);
  });
});
