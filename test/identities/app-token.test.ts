import { expect } from 'chai';
import { appTokenKey, signAppToken, verifyAppToken } from '../../src/identities/app-token.js';
import { identityOf } from '../../src/http/identity.js';

describe('identities: bearer tokens of the apps', () => {
  const mini = 'wxaaaaaaaaaaaaaaa1';
  const mobile = 'wxaaaaaaaaaaaaaaa2';
  const keys = new Map([
    [mini, appTokenKey(mini, 'mini-secret')],
    [mobile, appTokenKey(mobile, 'mobile-secret')],
  ]);
  const keyFor = (appid: string) => keys.get(appid);
  const T0 = 1_700_000_000_000;
  const claims = { appid: mini, openid: 'oMini', unionid: 'oUnion', source: 'miniprogram' as const };

  it('verifies until it expires, and only with its own app’s key', () => {
    const token = signAppToken(claims, keyFor(mini)!, T0 + 1000);
    expect(verifyAppToken(token, keyFor, T0 + 999)).to.deep.equal({ ...claims, expiresAt: T0 + 1000 });
    expect(verifyAppToken(token, keyFor, T0 + 1000)).to.equal(null);
    const [, body, mac] = token.split('.');
    expect(verifyAppToken(`${mobile}.${body}.${mac}`, keyFor, T0)).to.equal(null);
    expect(verifyAppToken(`${mini}.${body}.${mac}x`, keyFor, T0)).to.equal(null);
    // The same AppID with a reset AppSecret: the old tokens are void.
    expect(verifyAppToken(token, () => appTokenKey(mini, 'new-secret'), T0)).to.equal(null);
  });

  it('lets a route of one app refuse another app’s token (identityOf appids)', () => {
    const token = signAppToken(claims, keyFor(mini)!, T0 + 1000);
    const ctx = {
      get: (name: string) => (name === 'authorization' ? `Bearer ${token}` : ''),
      cookies: { get: () => undefined },
    } as unknown as Parameters<typeof identityOf>[0];
    const options = { visitorSecret: 'v', appTokenKey: keyFor, clock: () => T0 };
    expect(identityOf(ctx, options)).to.deep.equal(claims);
    expect(identityOf(ctx, { ...options, appids: [mini] })).to.deep.equal(claims);
    expect(identityOf(ctx, { ...options, appids: [mobile] })).to.equal(null);
  });
});
