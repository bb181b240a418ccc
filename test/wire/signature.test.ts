import { expect } from 'chai';
import { safeEqual, verifySignature, wechatSignature } from '../../src/wire/index.js';
import { vector } from './helpers.js';

describe('wire/signature', () => {
  it('signs the official GET URL-verification example', () => {
    const v = vector('official-doc-url-verify-get');
    expect(wechatSignature(v.token, v.timestamp, v.nonce)).to.equal(
      'f464b24fc39322e44b38aa78f5edd27bd1441696',
    );
  });

  it('sorts the parts as strings, so the argument order does not matter', () => {
    const v = vector('official-doc-plain-post');
    // Numerically 486452656 < 1714037059; as strings "1714037059" < "486452656" (§1.2).
    expect(wechatSignature('486452656', 'AAAAA', '1714037059')).to.equal(v.signature);
    expect(wechatSignature('AAAAA', '1714037059', '486452656')).to.equal(v.signature);
  });

  it('accepts the right signature and refuses a wrong, missing or differently cased one', () => {
    const v = vector('official-doc-plain-post');
    expect(verifySignature(v.signature, v.token, v.timestamp, v.nonce)).to.equal(true);
    expect(verifySignature(undefined, v.token, v.timestamp, v.nonce)).to.equal(false);
    expect(verifySignature(v.signature?.toUpperCase(), v.token, v.timestamp, v.nonce)).to.equal(false);
    expect(verifySignature(v.signature, v.token, v.timestamp, '486452657')).to.equal(false);
    expect(verifySignature(v.signature?.slice(0, 39), v.token, v.timestamp, v.nonce)).to.equal(false);
  });

  it('compares strings of different length as unequal without throwing', () => {
    expect(safeEqual('abc', 'abc')).to.equal(true);
    expect(safeEqual('abc', 'abd')).to.equal(false);
    expect(safeEqual('abc', 'abcd')).to.equal(false);
    expect(safeEqual('', '')).to.equal(true);
  });
});
