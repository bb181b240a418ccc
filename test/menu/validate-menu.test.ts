import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parseMenu, validateMenu } from '../../src/menu/validate-menu.js';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../fixtures/menus/${name}`, import.meta.url), 'utf8'));
}

const click = (name: string, key = 'K') => ({ type: 'click', name, key });
const menuOf = (...button: unknown[]) => ({ button });
const paths = (input: unknown, publicUrl?: string) =>
  validateMenu(input, publicUrl === undefined ? {} : { publicUrl }).map((p) => p.path);

describe('validateMenu', () => {
  it('accepts the valid fixture, with its oauth buttons', () => {
    expect(validateMenu(fixture('valid.json'), { publicUrl: 'https://wx.example.com' })).to.deep.equal([]);
  });

  it('reports every problem of the invalid fixture with its path', () => {
    expect(paths(fixture('invalid.json'))).to.deep.equal([
      'button',
      'button[0].name',
      'button[0].key',
      'button[1].type',
      'button[1].sub_button',
      'button[1].sub_button[0].url',
      'button[1].sub_button[1].oauth.scope',
      'button[1].sub_button[1].oauth.target',
      'button[1].sub_button[2]',
      'button[1].sub_button[3].pagepath',
      'button[1].sub_button[3].url',
      'button[1].sub_button[4].type',
      'button[2].type',
    ]);
  });

  describe('accepts', () => {
    const valid: [string, unknown][] = [
      ['1 top-level button', menuOf(click('A'))],
      ['3 top-level buttons', menuOf(click('A'), click('B'), click('C'))],
      ['5 sub-buttons', menuOf({ name: 'M', sub_button: [1, 2, 3, 4, 5].map((n) => click(`S${n}`)) })],
      ['a top-level name of exactly 16 bytes', menuOf(click('a'.repeat(16)))],
      ['a top-level Chinese name of 5 characters (15 bytes)', menuOf(click('今日歌曲啊'))],
      ['a sub-menu name of exactly 60 bytes', menuOf({ name: 'M', sub_button: [click('中'.repeat(20))] })],
      ['a key of exactly 128 bytes', menuOf(click('A', 'k'.repeat(128)))],
      [
        'a url of exactly 1024 bytes',
        menuOf({ type: 'view', name: 'V', url: `https://e.com/${'a'.repeat(1024 - 14)}` }),
      ],
      [
        'every key type',
        menuOf(
          {
            name: 'M',
            sub_button: [
              'scancode_push',
              'scancode_waitmsg',
              'pic_sysphoto',
              'pic_photo_or_album',
              'pic_weixin',
            ].map((type) => ({ type, name: type, key: 'K' })),
          },
          { type: 'location_select', name: 'L', key: 'K' },
        ),
      ],
      [
        'media_id and view_limited buttons',
        menuOf(
          { type: 'media_id', name: 'A', media_id: 'M' },
          { type: 'view_limited', name: 'B', media_id: 'M' },
        ),
      ],
      [
        'article_id and article_view_limited buttons',
        menuOf(
          { type: 'article_id', name: 'A', article_id: 'X' },
          { type: 'article_view_limited', name: 'B', article_id: 'X' },
        ),
      ],
      [
        'a miniprogram button',
        menuOf({
          type: 'miniprogram',
          name: 'P',
          appid: 'wx286b93c14bbf93aa',
          pagepath: 'pages/index',
          url: 'https://e.com/',
        }),
      ],
      [
        'an oauth view button without scope (defaults to snsapi_base)',
        menuOf({ type: 'view', name: 'V', oauth: { target: '/me' } }),
      ],
      [
        'a leaf with an empty sub_button, as menu/get prints it',
        menuOf(
          { ...click('A'), sub_button: [] },
          { name: 'M', sub_button: [{ ...click('S'), sub_button: [] }] },
        ),
      ],
    ];
    for (const [what, input] of valid) {
      it(what, () => {
        expect(validateMenu(input)).to.deep.equal([]);
      });
    }
  });

  describe('reports each broken rule at its exact path', () => {
    const cases: [string, unknown, string[]][] = [
      ['a menu that is not an object', [click('A')], ['']],
      ['a menu that is null', null, ['']],
      ['no button list', {}, ['button']],
      ['a button list that is an object', { button: click('A') }, ['button']],
      ['no buttons', menuOf(), ['button']],
      ['4 top-level buttons', menuOf(click('A'), click('B'), click('C'), click('D')), ['button']],
      ['the answer of menu/get', { menu: menuOf(click('A')) }, ['menu', 'button']],
      ['a conditional-menu matchrule', { ...menuOf(click('A')), matchrule: { tag_id: '2' } }, ['matchrule']],
      ['a button that is a string', menuOf('A'), ['button[0]']],
      ['a button without name', menuOf({ type: 'click', key: 'K' }), ['button[0].name']],
      ['an empty name', menuOf(click('')), ['button[0].name']],
      ['a numeric name', menuOf({ type: 'click', name: 7, key: 'K' }), ['button[0].name']],
      ['a top-level name of 17 bytes', menuOf(click('a'.repeat(17))), ['button[0].name']],
      [
        'a top-level Chinese name of 6 characters (18 bytes)',
        menuOf(click('今日歌曲推荐')),
        ['button[0].name'],
      ],
      [
        'a sub-menu name of 61 bytes',
        menuOf({ name: 'M', sub_button: [click(`a${'中'.repeat(20)}`)] }),
        ['button[0].sub_button[0].name'],
      ],
      ['a top-level button without type or sub_button', menuOf({ name: 'A' }), ['button[0].type']],
      [
        'a sub-button without type',
        menuOf({ name: 'M', sub_button: [{ name: 'S', key: 'K' }] }),
        ['button[0].sub_button[0].type'],
      ],
      ['an unknown type', menuOf({ type: 'link', name: 'A', url: 'https://e.com/' }), ['button[0].type']],
      [
        'a console-only type',
        menuOf({ type: 'text', name: 'A', value: 'hi' }),
        ['button[0].value', 'button[0].type'],
      ],
      ['a type that is a number', menuOf({ type: 1, name: 'A' }), ['button[0].type']],
      ['a click without key', menuOf({ type: 'click', name: 'A' }), ['button[0].key']],
      ['a click with an empty key', menuOf(click('A', '')), ['button[0].key']],
      ['a click with a numeric key', menuOf({ type: 'click', name: 'A', key: 5 }), ['button[0].key']],
      ['a key of 129 bytes', menuOf(click('A', 'k'.repeat(129))), ['button[0].key']],
      ['a key of 43 Chinese characters (129 bytes)', menuOf(click('A', '键'.repeat(43))), ['button[0].key']],
      ['a scancode_push without key', menuOf({ type: 'scancode_push', name: 'A' }), ['button[0].key']],
      ['a scancode_waitmsg without key', menuOf({ type: 'scancode_waitmsg', name: 'A' }), ['button[0].key']],
      ['a pic_sysphoto without key', menuOf({ type: 'pic_sysphoto', name: 'A' }), ['button[0].key']],
      [
        'a pic_photo_or_album without key',
        menuOf({ type: 'pic_photo_or_album', name: 'A' }),
        ['button[0].key'],
      ],
      ['a pic_weixin without key', menuOf({ type: 'pic_weixin', name: 'A' }), ['button[0].key']],
      ['a location_select without key', menuOf({ type: 'location_select', name: 'A' }), ['button[0].key']],
      [
        'a click with a url it does not use',
        menuOf({ ...click('A'), url: 'https://e.com/' }),
        ['button[0].url'],
      ],
      ['a click with oauth', menuOf({ ...click('A'), oauth: { target: '/x' } }), ['button[0].oauth']],
      ['a view without url or oauth', menuOf({ type: 'view', name: 'V' }), ['button[0].url']],
      [
        'a view with both url and oauth',
        menuOf({ type: 'view', name: 'V', url: 'https://e.com/', oauth: { target: '/x' } }),
        ['button[0]'],
      ],
      [
        'a view with a key it does not use',
        menuOf({ type: 'view', name: 'V', url: 'https://e.com/', key: 'K' }),
        ['button[0].key'],
      ],
      ['a view with a relative url', menuOf({ type: 'view', name: 'V', url: '/account' }), ['button[0].url']],
      [
        'a view with a javascript: url',
        menuOf({ type: 'view', name: 'V', url: 'javascript:alert(1)' }),
        ['button[0].url'],
      ],
      [
        'a view with a url of 1025 bytes',
        menuOf({ type: 'view', name: 'V', url: `https://e.com/${'a'.repeat(1025 - 14)}` }),
        ['button[0].url'],
      ],
      [
        'a view with a url of 1025 bytes from Chinese characters',
        menuOf({ type: 'view', name: 'V', url: `https://e.com/${'中'.repeat(337)}` }),
        ['button[0].url'],
      ],
      ['oauth that is a string', menuOf({ type: 'view', name: 'V', oauth: '/me' }), ['button[0].oauth']],
      [
        'an unknown oauth scope',
        menuOf({ type: 'view', name: 'V', oauth: { scope: 'snsapi_login', target: '/me' } }),
        ['button[0].oauth.scope'],
      ],
      [
        'an oauth link without target',
        menuOf({ type: 'view', name: 'V', oauth: { scope: 'snsapi_base' } }),
        ['button[0].oauth.target'],
      ],
      [
        'a numeric oauth target',
        menuOf({ type: 'view', name: 'V', oauth: { target: 1 } }),
        ['button[0].oauth.target'],
      ],
      [
        'an absolute oauth target',
        menuOf({ type: 'view', name: 'V', oauth: { target: 'https://evil.example/' } }),
        ['button[0].oauth.target'],
      ],
      [
        'a protocol-relative oauth target',
        menuOf({ type: 'view', name: 'V', oauth: { target: '//evil.example' } }),
        ['button[0].oauth.target'],
      ],
      [
        'a /\\ oauth target',
        menuOf({ type: 'view', name: 'V', oauth: { target: '/\\evil.example' } }),
        ['button[0].oauth.target'],
      ],
      [
        'an encoded // oauth target',
        menuOf({ type: 'view', name: 'V', oauth: { target: '/%2F%2Fevil.example' } }),
        ['button[0].oauth.target'],
      ],
      [
        'an unknown field in oauth',
        menuOf({ type: 'view', name: 'V', oauth: { target: '/me', redirect: '/x' } }),
        ['button[0].oauth.redirect'],
      ],
      [
        'an oauth target that expands past 1024 bytes',
        menuOf({ type: 'view', name: 'V', oauth: { target: `/${'a'.repeat(1000)}` } }),
        ['button[0].oauth.target'],
      ],
      ['a media_id button without media_id', menuOf({ type: 'media_id', name: 'A' }), ['button[0].media_id']],
      [
        'a view_limited button without media_id',
        menuOf({ type: 'view_limited', name: 'A' }),
        ['button[0].media_id'],
      ],
      [
        'a media_id button with mediaId (camelCase)',
        menuOf({ type: 'media_id', name: 'A', mediaId: 'M' }),
        ['button[0].mediaId', 'button[0].media_id'],
      ],
      [
        'an article_id button without article_id',
        menuOf({ type: 'article_id', name: 'A' }),
        ['button[0].article_id'],
      ],
      [
        'an article_view_limited button without article_id',
        menuOf({ type: 'article_view_limited', name: 'A' }),
        ['button[0].article_id'],
      ],
      [
        'an article_id button with a media_id instead',
        menuOf({ type: 'article_id', name: 'A', media_id: 'M' }),
        ['button[0].media_id', 'button[0].article_id'],
      ],
      [
        'a miniprogram without appid, pagepath or url',
        menuOf({ type: 'miniprogram', name: 'P' }),
        ['button[0].appid', 'button[0].pagepath', 'button[0].url'],
      ],
      [
        'a miniprogram without the fallback url',
        menuOf({ type: 'miniprogram', name: 'P', appid: 'wx1', pagepath: 'p' }),
        ['button[0].url'],
      ],
      [
        'a miniprogram with a bad fallback url',
        menuOf({ type: 'miniprogram', name: 'P', appid: 'wx1', pagepath: 'p', url: 'mp.weixin.qq.com' }),
        ['button[0].url'],
      ],
      [
        'a misspelled field',
        menuOf({ type: 'click', name: 'A', kye: 'K' }),
        ['button[0].kye', 'button[0].key'],
      ],
      [
        'a sub_button that is an object',
        menuOf({ name: 'M', sub_button: click('S') }),
        ['button[0].sub_button', 'button[0].type'],
      ],
      ['an empty sub_button and no type', menuOf({ name: 'M', sub_button: [] }), ['button[0].sub_button']],
      [
        '6 sub-buttons',
        menuOf({ name: 'M', sub_button: [1, 2, 3, 4, 5, 6].map((n) => click(`S${n}`)) }),
        ['button[0].sub_button'],
      ],
      [
        'a parent with a type',
        menuOf({ name: 'M', type: 'click', sub_button: [click('S')] }),
        ['button[0].type'],
      ],
      [
        'a parent with a key and a url',
        menuOf({ name: 'M', key: 'K', url: 'https://e.com/', sub_button: [click('S')] }),
        ['button[0].key', 'button[0].url'],
      ],
      [
        'a parent with oauth',
        menuOf({ name: 'M', oauth: { target: '/x' }, sub_button: [click('S')] }),
        ['button[0].oauth'],
      ],
      [
        'a third menu level',
        menuOf({ name: 'M', sub_button: [{ name: 'S', sub_button: [click('T')] }] }),
        ['button[0].sub_button[0].sub_button', 'button[0].sub_button[0].type'],
      ],
      ['a sub-button that is null', menuOf({ name: 'M', sub_button: [null] }), ['button[0].sub_button[0]']],
      [
        'a problem in the last sub-button of the last button',
        menuOf(click('A'), click('B'), {
          name: 'M',
          sub_button: [click('S1'), click('S2'), { type: 'click', name: 'S3', key: '' }],
        }),
        ['button[2].sub_button[2].key'],
      ],
    ];
    for (const [what, input, expected] of cases) {
      it(`${what} → ${expected.join(', ') || '(root)'}`, () => {
        expect(paths(input)).to.deep.equal(expected);
      });
    }
  });

  it('checks oauth link length with PUBLIC_URL when given', () => {
    // The part this server adds is exactly 1024 bytes ('/' encodes to %2F, 3 bytes): fine on its own, too
    // long once PUBLIC_URL is put in front, and one byte more is too long even without it.
    const suffix = '/oauth/authorize?target=&scope=snsapi_base'.length;
    const target = `/${'a'.repeat(1024 - suffix - 3)}`;
    const menu = menuOf({ type: 'view', name: 'V', oauth: { target } });
    expect(paths(menu)).to.deep.equal([]);
    expect(paths(menu, 'https://wx.example.com')).to.deep.equal(['button[0].oauth.target']);
    expect(paths(menuOf({ type: 'view', name: 'V', oauth: { target: `${target}a` } }))).to.deep.equal([
      'button[0].oauth.target',
    ]);
  });

  it('explains byte limits in the message', () => {
    const [problem] = validateMenu(menuOf(click('今日歌曲推荐')));
    expect(problem?.message).to.equal(
      'is 18 bytes in UTF-8; a top-level button name may have at most 16 (a Chinese character takes 3)',
    );
  });

  it('points a menu/get answer to its "menu" object', () => {
    const [problem] = validateMenu({ menu: menuOf(click('A')) });
    expect(problem?.message).to.match(/menu\/get/);
  });

  it('lists the known types when the type is unknown', () => {
    const [problem] = validateMenu(menuOf({ type: 'link', name: 'A' }));
    expect(problem?.message).to.include('expected one of click, view,');
  });

  it('throws on a malformed PUBLIC_URL instead of checking against it', () => {
    expect(() => validateMenu(menuOf(click('A')), { publicUrl: 'wx.example.com' })).to.throw(
      TypeError,
      /PUBLIC_URL/,
    );
  });
});

describe('parseMenu', () => {
  it('returns a copy with only known fields, empty sub_button lists dropped and oauth scopes filled in', () => {
    const result = parseMenu(
      menuOf(
        { ...click('A'), sub_button: [] },
        { name: 'M', sub_button: [{ type: 'view', name: 'V', oauth: { target: '/me' } }] },
      ),
    );
    expect(result).to.deep.equal({
      menu: menuOf(
        { type: 'click', name: 'A', key: 'K' },
        {
          name: 'M',
          sub_button: [{ type: 'view', name: 'V', oauth: { scope: 'snsapi_base', target: '/me' } }],
        },
      ),
    });
  });

  it('returns the problems of an invalid menu', () => {
    expect(parseMenu(menuOf())).to.deep.equal({
      problems: [{ path: 'button', message: 'must hold 1–3 top-level buttons (got 0)' }],
    });
  });
});
