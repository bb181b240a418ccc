import { expect } from 'chai';
import { renderMenuText } from '../../src/menu/render-menu.js';

describe('renderMenuText', () => {
  it('draws the menu as a tree, one button a line with its type and action', () => {
    const text = renderMenuText({
      button: [
        { type: 'click', name: '今日歌曲', key: 'V1001_TODAY_MUSIC' },
        {
          name: '菜单',
          sub_button: [
            { type: 'view', name: '搜索', url: 'https://www.soso.com/' },
            { type: 'view', name: '账户', oauth: { scope: 'snsapi_base', target: '/account' } },
            {
              type: 'miniprogram',
              name: '小程序',
              appid: 'wx1',
              pagepath: 'pages/index',
              url: 'http://mp.weixin.qq.com',
            },
          ],
        },
        {
          name: '更多',
          sub_button: [
            { type: 'media_id', name: '图片', media_id: 'MEDIA' },
            { type: 'article_id', name: '文章', article_id: 'ART' },
          ],
        },
      ],
    });
    expect(text).to.equal(
      [
        'Menu',
        '├─ 今日歌曲  click  key=V1001_TODAY_MUSIC',
        '├─ 菜单',
        '│  ├─ 搜索  view  https://www.soso.com/',
        '│  ├─ 账户  view  oauth snsapi_base → /account',
        '│  └─ 小程序  miniprogram  appid=wx1 pagepath=pages/index (fallback http://mp.weixin.qq.com)',
        '└─ 更多',
        '   ├─ 图片  media_id  media_id=MEDIA',
        '   └─ 文章  article_id  article_id=ART',
      ].join('\n'),
    );
  });

  it('shows an expanded oauth link as the link it was written as, given PUBLIC_URL', () => {
    const menu = {
      button: [
        {
          type: 'view',
          name: 'Me',
          url: 'https://wx.example.com/oauth/authorize?target=%2Fme&scope=snsapi_userinfo',
        },
      ],
    };
    expect(renderMenuText(menu, { publicUrl: 'https://wx.example.com' })).to.equal(
      'Menu\n└─ Me  view  oauth snsapi_userinfo → /me',
    );
    expect(renderMenuText(menu)).to.equal(
      'Menu\n└─ Me  view  https://wx.example.com/oauth/authorize?target=%2Fme&scope=snsapi_userinfo',
    );
  });

  it('says so when there is no menu', () => {
    expect(renderMenuText({ button: [] })).to.equal('(no menu)');
  });

  it('prints buttons of types it does not know with whatever they carry', () => {
    expect(renderMenuText({ button: [{ type: 'text', name: 'Hi' }] })).to.equal('Menu\n└─ Hi  text');
  });

  it('escapes control characters from a live menu instead of sending them to the terminal', () => {
    const text = renderMenuText({ button: [{ type: 'click', name: 'A\u001b[2J', key: 'K\nX' }] });
    expect(text).to.equal('Menu\n└─ "A\\u001b[2J"  click  key="K\\nX"');
  });
});
