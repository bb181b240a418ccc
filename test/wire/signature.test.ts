import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { safeEqual, verifySignature, wechatSignature } from '../../src/wire/index.js';
import { signature3, signature4 } from '../../src/wire/signature.js';
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

  it('sorts 3 and 4 parts in every order as sort() does, ties and prefixes included', () => {
    const sha1 = (parts: string[]): string =>
      createHash('sha1')
        .update([...parts].sort().join(''))
        .digest('hex');
    const permutations = (xs: string[]): string[][] =>
      xs.length <= 1
        ? [xs]
        : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    const sets = [
      ['token', '1714037059', '486452656', 'AAAA+/=='],
      ['a', 'ab', 'abc', 'b'],
      ['same', 'same', 'Same', ''],
      ['z', 'é', 'Z', '\u{1F600}'],
    ];
    for (const set of sets) {
      for (const [a, b, c, d] of permutations(set) as [string, string, string, string][]) {
        expect(signature4(a, b, c, d), `${a}|${b}|${c}|${d}`).to.equal(sha1([a, b, c, d]));
        expect(signature3(a, b, c), `${a}|${b}|${c}`).to.equal(sha1([a, b, c]));
        expect(wechatSignature(a, b, c, d)).to.equal(sha1([a, b, c, d]));
      }
    }
  });

  it('compares 40-character strings with non-ASCII characters by their bytes', () => {
    const hex = 'f464b24fc39322e44b38aa78f5edd27bd1441696';
    expect(safeEqual(hex, hex.slice())).to.equal(true);
    expect(safeEqual(hex, `${hex.slice(0, 39)}7`)).to.equal(false);
    // Same length in characters, not in bytes: never equal to the ASCII signature.
    const wide = `\u0161${hex.slice(1)}`;
    expect(safeEqual(wide, hex)).to.equal(false);
    expect(safeEqual(hex, wide)).to.equal(false);
    expect(safeEqual(wide, wide.slice())).to.equal(true);
  });
});
