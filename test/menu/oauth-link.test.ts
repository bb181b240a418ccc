import { expect } from 'chai';
import { normalizePublicUrl, oauthLinkUrl, parseOAuthLinkUrl } from '../../src/menu/oauth-link.js';

describe('oauthLinkUrl / parseOAuthLinkUrl', () => {
  it('makes the authorize link of INTERFACE.md §6', () => {
    expect(oauthLinkUrl('http://localhost:3000', { scope: 'snsapi_base', target: '/account' })).to.equal(
      'http://localhost:3000/oauth/authorize?target=%2Faccount&scope=snsapi_base',
    );
  });

  it('reads back the link it made', () => {
    const link = { scope: 'snsapi_userinfo', target: '/a b?c=d&e#f' } as const;
    expect(
      parseOAuthLinkUrl(oauthLinkUrl('https://wx.example.com/', link), 'https://wx.example.com'),
    ).to.deep.equal(link);
  });

  for (const url of [
    'https://www.soso.com/',
    'https://other.example.com/oauth/authorize?target=%2Fa&scope=snsapi_base',
    'https://wx.example.com/oauth/authorize?scope=snsapi_base',
    'https://wx.example.com/oauth/authorize?target=%2Fa&scope=snsapi_login',
  ]) {
    it(`does not read an oauth link from ${url}`, () => {
      expect(parseOAuthLinkUrl(url, 'https://wx.example.com')).to.equal(null);
    });
  }
});

describe('normalizePublicUrl', () => {
  it('drops trailing slashes', () => {
    expect(normalizePublicUrl('https://wx.example.com//')).to.equal('https://wx.example.com');
    expect(normalizePublicUrl('https://example.com/wx/')).to.equal('https://example.com/wx');
  });

  it('names the problem of a bad PUBLIC_URL', () => {
    expect(() => normalizePublicUrl('localhost:3000')).to.throw(TypeError, /http:\/\/ or https:\/\//);
    expect(() => normalizePublicUrl('not a url')).to.throw(TypeError, /absolute URL/);
    expect(() => normalizePublicUrl('https://e.com/?')).to.throw(TypeError, /query or fragment/);
  });
});
