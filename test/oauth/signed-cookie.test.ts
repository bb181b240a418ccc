import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { encodeSession } from '../../src/oauth/session-token.js';
import { signCookieValue, verifyCookieValue } from '../../src/oauth/signed-cookie.js';

const SECRET = 'a-long-random-session-secret-0123456789';

describe('signCookieValue / verifyCookieValue', () => {
  it('signs as value.HMAC-SHA256(label NUL value) in base64url', () => {
    const mac = createHmac('sha256', SECRET).update('wxoa/cookie/v1\u0000abc').digest('base64url');
    expect(signCookieValue('abc', SECRET)).to.equal(`abc.${mac}`);
  });

  it('gives back the value of a signed cookie', () => {
    expect(verifyCookieValue(signCookieValue('browser123', SECRET), SECRET)).to.equal('browser123');
  });

  it('keeps dots inside the value', () => {
    expect(verifyCookieValue(signCookieValue('a.b.c', SECRET), SECRET)).to.equal('a.b.c');
  });

  it('signs and verifies an empty value', () => {
    expect(verifyCookieValue(signCookieValue('', SECRET), SECRET)).to.equal('');
  });

  it('produces only cookie-safe characters for a cookie-safe value', () => {
    expect(signCookieValue('browser123', SECRET)).to.match(/^[A-Za-z0-9_.-]+$/);
  });

  it('rejects a cookie whose value was changed', () => {
    const signed = signCookieValue('browser123', SECRET);
    expect(verifyCookieValue(signed.replace('browser123', 'browser124'), SECRET)).to.equal(null);
  });

  it('rejects a cookie whose signature was changed', () => {
    const signed = signCookieValue('browser123', SECRET);
    const last = signed.at(-1) === 'A' ? 'B' : 'A';
    expect(verifyCookieValue(signed.slice(0, -1) + last, SECRET)).to.equal(null);
  });

  it('rejects a cookie signed with another secret', () => {
    expect(verifyCookieValue(signCookieValue('browser123', 'other-secret'), SECRET)).to.equal(null);
  });

  for (const [what, forged] of [
    ['no signature at all', 'browser123'],
    ['an empty signature', 'browser123.'],
    ['a truncated signature', signCookieValue('browser123', SECRET).slice(0, -2)],
    ['an extra character', `${signCookieValue('browser123', SECRET)}A`],
    ['the empty string', ''],
  ] as const) {
    it(`rejects a cookie with ${what}`, () => {
      expect(verifyCookieValue(forged, SECRET)).to.equal(null);
    });
  }

  it('does not accept a session token as a signed cookie, though both use the secret', () => {
    const token = encodeSession({ openid: 'o1' }, SECRET, Date.now() + 60_000, 'visitor');
    expect(verifyCookieValue(token, SECRET)).to.equal(null);
  });

  it('refuses to sign with an empty secret', () => {
    expect(() => signCookieValue('x', '')).to.throw(TypeError, /secret/);
  });
});
