import { expect } from 'chai';
import { expandMenu } from '../../src/menu/expand-menu.js';
import type { MenuFile } from '../../src/menu/menu-types.js';

const MENU: MenuFile = {
  button: [
    { type: 'click', name: 'Music', key: 'V1001' },
    {
      name: 'More',
      sub_button: [
        { type: 'view', name: 'Search', url: 'https://www.soso.com/' },
        { type: 'view', name: 'Account', oauth: { scope: 'snsapi_base', target: '/account' } },
        { type: 'view', name: 'Profile', oauth: { scope: 'snsapi_userinfo', target: '/me?tab=a&x=1#top' } },
      ],
    },
  ],
};

describe('expandMenu', () => {
  it('turns oauth links into authorize urls and leaves every other button as it is', () => {
    expect(expandMenu(MENU, 'https://wx.example.com')).to.deep.equal({
      button: [
        { type: 'click', name: 'Music', key: 'V1001' },
        {
          name: 'More',
          sub_button: [
            { type: 'view', name: 'Search', url: 'https://www.soso.com/' },
            {
              type: 'view',
              name: 'Account',
              url: 'https://wx.example.com/oauth/authorize?target=%2Faccount&scope=snsapi_base',
            },
            {
              type: 'view',
              name: 'Profile',
              url: 'https://wx.example.com/oauth/authorize?target=%2Fme%3Ftab%3Da%26x%3D1%23top&scope=snsapi_userinfo',
            },
          ],
        },
      ],
    });
  });

  it('encodes the target so the authorize route reads it back intact', () => {
    const expanded = expandMenu(MENU, 'https://wx.example.com');
    const url = new URL(expanded.button[1]?.sub_button?.[2]?.url ?? '');
    expect(url.pathname).to.equal('/oauth/authorize');
    expect(url.searchParams.get('target')).to.equal('/me?tab=a&x=1#top');
    expect(url.searchParams.get('scope')).to.equal('snsapi_userinfo');
    expect(url.hash).to.equal('');
  });

  it('ignores trailing slashes of PUBLIC_URL and keeps its path prefix', () => {
    const expanded = expandMenu(MENU, 'https://example.com/wx/');
    expect(expanded.button[1]?.sub_button?.[1]?.url).to.equal(
      'https://example.com/wx/oauth/authorize?target=%2Faccount&scope=snsapi_base',
    );
  });

  it('leaves no oauth field in what is sent to WeChat', () => {
    expect(JSON.stringify(expandMenu(MENU, 'https://wx.example.com'))).to.not.include('oauth"');
  });

  it('does not change the menu it is given', () => {
    const before = JSON.stringify(MENU);
    expandMenu(MENU, 'https://wx.example.com');
    expect(JSON.stringify(MENU)).to.equal(before);
  });

  it('throws when an expanded link exceeds 1024 bytes', () => {
    const menu: MenuFile = {
      button: [{ type: 'view', name: 'V', oauth: { scope: 'snsapi_base', target: `/${'a'.repeat(975)}` } }],
    };
    expect(() => expandMenu(menu, 'https://wx.example.com')).to.throw(RangeError, /1024/);
  });

  for (const bad of [
    'wx.example.com',
    'ftp://wx.example.com',
    'https://wx.example.com/?x=1',
    'https://wx.example.com/#a',
  ]) {
    it(`throws on the malformed PUBLIC_URL ${JSON.stringify(bad)}`, () => {
      expect(() => expandMenu(MENU, bad)).to.throw(TypeError, /PUBLIC_URL/);
    });
  }
});
