import { expect } from 'chai';
import { labelledMac } from '../../src/oauth/hmac.js';
import { decodeSession, encodeSession } from '../../src/oauth/session-token.js';
import { signCookieValue } from '../../src/oauth/signed-cookie.js';

const SECRET = 'a-long-random-session-secret-0123456789';
const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;

/** Signs an arbitrary body the way encodeSession does, to test what decodeSession does with it. */
function forge(body: unknown): string {
  const encoded = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)).toString('base64url');
  return `${encoded}.${labelledMac(SECRET, 'wxoa/session/v1', encoded)}`;
}

describe('encodeSession / decodeSession', () => {
  it('gives back the payload and expiry of a valid token', () => {
    const token = encodeSession({ openid: 'o1', unionid: null, n: 3 }, SECRET, NOW + HOUR, 'visitor');
    expect(decodeSession(token, SECRET, NOW, 'visitor')).to.deep.equal({
      payload: { openid: 'o1', unionid: null, n: 3 },
      expiresAt: NOW + HOUR,
    });
  });

  it('decodes on another instance that knows only the secret', () => {
    const token = encodeSession({ user: 'admin' }, SECRET, NOW + HOUR, 'console');
    const otherInstanceSecret = `${SECRET}`;
    expect(decodeSession(token, otherInstanceSecret, NOW, 'console')?.payload).to.deep.equal({
      user: 'admin',
    });
  });

  it('is valid until just before expiresAt and invalid from it on', () => {
    const token = encodeSession({}, SECRET, NOW + HOUR, 'visitor');
    expect(decodeSession(token, SECRET, NOW + HOUR - 1, 'visitor')).to.not.equal(null);
    expect(decodeSession(token, SECRET, NOW + HOUR, 'visitor')).to.equal(null);
    expect(decodeSession(token, SECRET, NOW + 2 * HOUR, 'visitor')).to.equal(null);
  });

  it('does not open the console with a visitor session', () => {
    const token = encodeSession({ openid: 'o1' }, SECRET, NOW + HOUR, 'visitor');
    expect(decodeSession(token, SECRET, NOW, 'console')).to.equal(null);
  });

  it('rejects a token signed with another secret', () => {
    const token = encodeSession({ openid: 'o1' }, 'another-secret', NOW + HOUR, 'visitor');
    expect(decodeSession(token, SECRET, NOW, 'visitor')).to.equal(null);
  });

  it('rejects a token whose payload was swapped under the old signature', () => {
    const token = encodeSession({ openid: 'o1' }, SECRET, NOW + HOUR, 'visitor');
    const [, mac] = token.split('.');
    const body = Buffer.from(
      JSON.stringify({ aud: 'visitor', exp: NOW + HOUR, data: { openid: 'o2' } }),
    ).toString('base64url');
    expect(decodeSession(`${body}.${mac}`, SECRET, NOW, 'visitor')).to.equal(null);
  });

  it('rejects a token whose expiry was extended under the old signature', () => {
    const token = encodeSession({ openid: 'o1' }, SECRET, NOW + 1, 'visitor');
    const [, mac] = token.split('.');
    const body = Buffer.from(
      JSON.stringify({ aud: 'visitor', exp: NOW + HOUR, data: { openid: 'o1' } }),
    ).toString('base64url');
    expect(decodeSession(`${body}.${mac}`, SECRET, NOW + 2, 'visitor')).to.equal(null);
  });

  it('does not accept a signed cookie value as a session token', () => {
    const body = Buffer.from(JSON.stringify({ aud: 'visitor', exp: NOW + HOUR, data: {} })).toString(
      'base64url',
    );
    expect(decodeSession(signCookieValue(body, SECRET), SECRET, NOW, 'visitor')).to.equal(null);
  });

  for (const [what, token] of [
    ['the empty string', ''],
    ['no dot', 'abc'],
    ['three parts', 'a.b.c'],
    ['an empty signature', 'eyJ9.'],
  ] as const) {
    it(`rejects a malformed token: ${what}`, () => {
      expect(decodeSession(token, SECRET, NOW, 'visitor')).to.equal(null);
    });
  }

  for (const [what, body] of [
    ['a body that is not JSON', 'not json'],
    ['a JSON array', [1]],
    ['a missing expiry', { aud: 'visitor', data: {} }],
    ['a string expiry', { aud: 'visitor', exp: String(NOW + HOUR), data: {} }],
    ['a missing payload', { aud: 'visitor', exp: NOW + HOUR }],
    ['an array payload', { aud: 'visitor', exp: NOW + HOUR, data: [] }],
    ['a missing audience', { exp: NOW + HOUR, data: {} }],
  ] as const) {
    it(`rejects a correctly signed token with ${what}`, () => {
      expect(decodeSession(forge(body), SECRET, NOW, 'visitor')).to.equal(null);
    });
  }

  it('accepts a correctly signed well-formed body (the forge helper matches the format)', () => {
    expect(
      decodeSession(forge({ aud: 'visitor', exp: NOW + HOUR, data: { a: 1 } }), SECRET, NOW, 'visitor'),
    ).to.deep.equal({ payload: { a: 1 }, expiresAt: NOW + HOUR });
  });

  it('makes cookie-safe tokens', () => {
    expect(encodeSession({ name: '张三; "x"' }, SECRET, NOW, 'visitor')).to.match(
      /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/,
    );
  });

  it('refuses a payload that is not a plain object', () => {
    expect(() => encodeSession([] as object, SECRET, NOW, 'visitor')).to.throw(TypeError);
    expect(() => encodeSession(null as unknown as object, SECRET, NOW, 'visitor')).to.throw(TypeError);
  });

  it('refuses an expiry that is not an integer of milliseconds', () => {
    expect(() => encodeSession({}, SECRET, NOW / 1000 + 0.5, 'visitor')).to.throw(RangeError);
    expect(() => encodeSession({}, SECRET, Number.NaN, 'visitor')).to.throw(RangeError);
  });

  it('refuses an empty secret', () => {
    expect(() => encodeSession({}, '', NOW, 'visitor')).to.throw(TypeError, /secret/);
  });
});
