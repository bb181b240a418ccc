import { expect } from 'chai';
import { buildOAuthAuthorizeUrl } from '../../src/wechat-api/index.js';

describe('OAuth authorize URL', () => {
  it('puts the parameters in the documented order with an encoded redirect_uri and #wechat_redirect', () => {
    const url = buildOAuthAuthorizeUrl({
      appid: 'wx520c15f417810387',
      redirectUri: 'https://example.com/oauth/callback?x=1&y=2',
      scope: 'snsapi_base',
      state: 'abc123',
    });
    expect(url).to.equal(
      'https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx520c15f417810387' +
        '&redirect_uri=https%3A%2F%2Fexample.com%2Foauth%2Fcallback%3Fx%3D1%26y%3D2' +
        '&response_type=code&scope=snsapi_base&state=abc123#wechat_redirect',
    );
  });

  it('uses another open base (the simulator) and adds forcePopup when asked', () => {
    const url = buildOAuthAuthorizeUrl({
      openBase: 'http://127.0.0.1:4000/',
      appid: 'wxa',
      redirectUri: 'http://localhost:3000/cb',
      scope: 'snsapi_userinfo',
      state: 'S',
      forcePopup: true,
    });
    expect(url).to.equal(
      'http://127.0.0.1:4000/connect/oauth2/authorize?appid=wxa&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb' +
        '&response_type=code&scope=snsapi_userinfo&state=S&forcePopup=true#wechat_redirect',
    );
  });

  it('refuses a state WeChat would not echo intact', () => {
    const base = { appid: 'wxa', redirectUri: 'https://e.com/cb', scope: 'snsapi_base' as const };
    expect(() => buildOAuthAuthorizeUrl({ ...base, state: 'a-b' })).to.throw(
      RangeError,
      /letters and digits/,
    );
    expect(() => buildOAuthAuthorizeUrl({ ...base, state: 'x'.repeat(129) })).to.throw(RangeError);
    expect(() => buildOAuthAuthorizeUrl({ ...base, state: 'x'.repeat(128) })).to.not.throw();
  });
});
