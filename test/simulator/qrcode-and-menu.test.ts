import { expect } from 'chai';
import { ManualClock, startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { getJson, postJson, tokenFor } from './support.js';

describe('simulator: QR codes (§6.5) and menus (§6.6)', () => {
  let sim: Simulator;
  let clock: ManualClock;
  let account: SimAccount;
  let token: string;
  const post = (path: string, body: unknown) =>
    postJson(`${sim.url}${path}?access_token=${encodeURIComponent(token)}`, body);
  const get = (path: string) => getJson(`${sim.url}${path}?access_token=${encodeURIComponent(token)}`);
  const qr = (body: unknown) => post('/cgi-bin/qrcode/create', body);

  beforeEach(async () => {
    clock = new ManualClock();
    sim = await startSimulator({ clock });
    account = sim.createAccount();
    token = await tokenFor(sim, account);
  });
  afterEach(() => sim.close());

  it('creates temporary and permanent codes in WeChat’s answer shapes', async () => {
    const temp = await qr({
      expire_seconds: 604800,
      action_name: 'QR_SCENE',
      action_info: { scene: { scene_id: 123 } },
    });
    expect(temp).to.have.keys('ticket', 'expire_seconds', 'url');
    expect(temp.expire_seconds).to.equal(604800);
    expect(temp.url).to.match(/^http:\/\/weixin\.qq\.com\/q\//);
    const perm = await qr({
      action_name: 'QR_LIMIT_STR_SCENE',
      action_info: { scene: { scene_str: 'spring' } },
    });
    expect(perm).to.have.keys('ticket', 'url');
    const again = await qr({
      action_name: 'QR_LIMIT_STR_SCENE',
      action_info: { scene: { scene_str: 'spring' } },
    });
    expect(again.ticket).to.equal(perm.ticket);
    const defaulted = await qr({ action_name: 'QR_STR_SCENE', action_info: { scene: { scene_str: 'x' } } });
    expect(defaulted.expire_seconds).to.equal(60);
  });

  it('rejects expire_seconds over 2592000, out-of-range scene ids and scene_str over 64 characters', async () => {
    expect(
      (
        await qr({
          expire_seconds: 2592001,
          action_name: 'QR_SCENE',
          action_info: { scene: { scene_id: 1 } },
        })
      ).errcode,
    ).to.equal(40035);
    expect(
      (await qr({ expire_seconds: 60, action_name: 'QR_SCENE', action_info: { scene: { scene_id: 0 } } }))
        .errcode,
    ).to.equal(40053);
    expect(
      (await qr({ action_name: 'QR_LIMIT_SCENE', action_info: { scene: { scene_id: 100001 } } })).errcode,
    ).to.equal(40053);
    expect(
      (await qr({ action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: 'x'.repeat(65) } } }))
        .errcode,
    ).to.equal(40053);
    expect(
      (await qr({ action_name: 'QR_FOREVER', action_info: { scene: { scene_id: 1 } } })).errcode,
    ).to.equal(40035);
    const ok = await qr({
      action_name: 'QR_LIMIT_STR_SCENE',
      action_info: { scene: { scene_str: 'x'.repeat(64) } },
    });
    expect(ok.ticket).to.be.a('string');
  });

  it('follows the doc quirk: no action_info.scene gives scene 0', async () => {
    const code = await qr({ expire_seconds: 60, action_name: 'QR_SCENE', action_info: {} });
    const fan = account.follower();
    await fan.follow({ scene: code.ticket });
    const user = await getJson(
      `${sim.url}/cgi-bin/user/info?access_token=${encodeURIComponent(token)}&openid=${fan.openid}`,
    );
    expect(user).to.include({ subscribe_scene: 'ADD_SCENE_QR_CODE', qr_scene: 0 });
  });

  it('serves the image for a URL-encoded ticket, and 404 for an unknown or expired one', async () => {
    const code = await qr({
      expire_seconds: 60,
      action_name: 'QR_STR_SCENE',
      action_info: { scene: { scene_str: 'spring' } },
    });
    const image = await fetch(`${sim.url}/cgi-bin/showqrcode?ticket=${encodeURIComponent(code.ticket)}`);
    expect(image.status).to.equal(200);
    expect(image.headers.get('content-type')).to.match(/^image\/svg\+xml/);
    expect(await image.text()).to.match(/<svg[\s\S]*spring/);
    expect((await fetch(`${sim.url}/cgi-bin/showqrcode?ticket=gQnope`)).status).to.equal(404);
    clock.advance(60_000);
    expect(
      (await fetch(`${sim.url}/cgi-bin/showqrcode?ticket=${encodeURIComponent(code.ticket)}`)).status,
    ).to.equal(404);
    expect(() => account.follower().follow({ scene: code.ticket })).to.throw(/expired/);
  });

  const menu = {
    button: [
      { type: 'click', name: '今日歌曲', key: 'V1001_TODAY_MUSIC' },
      {
        name: '菜单',
        sub_button: [
          { type: 'view', name: '搜索', url: 'https://www.soso.com/' },
          {
            type: 'miniprogram',
            name: 'wxa',
            url: 'https://mp.weixin.qq.com',
            appid: 'wx286b93c14bbf93aa',
            pagepath: 'pages/lunar/index',
          },
        ],
      },
    ],
  };

  it('stores a valid menu, returns it from menu/get, and answers 46003 once deleted', async () => {
    expect(await post('/cgi-bin/menu/create', menu)).to.deep.equal({ errcode: 0, errmsg: 'ok' });
    expect(account.menu).to.deep.equal(menu);
    const got = await get('/cgi-bin/menu/get');
    expect(got.menu.button[0]).to.deep.equal({ ...menu.button[0], sub_button: [] });
    expect(got.menu.button[1].sub_button).to.have.length(2);
    expect(await get('/cgi-bin/menu/delete')).to.deep.equal({ errcode: 0, errmsg: 'ok' });
    expect((await get('/cgi-bin/menu/get')).errcode).to.equal(46003);
    expect(account.menu).to.equal(null);
  });

  it('applies WeChat’s menu rules with its error codes', async () => {
    const click = (name: string, key = 'K') => ({ type: 'click', name, key });
    const create = async (body: unknown) => (await post('/cgi-bin/menu/create', body)).errcode;
    expect(await create({ button: [click('a'), click('b'), click('c'), click('d')] })).to.equal(40016);
    expect(await create({ button: [] })).to.equal(40016);
    expect(await create({ button: [{ type: 'tap', name: 'a', key: 'k' }] })).to.equal(40017);
    expect(await create({ button: [click('一二三四五六')] })).to.equal(40018); // 18 bytes > 16
    expect(await create({ button: [click('a', 'k'.repeat(129))] })).to.equal(40019);
    expect(await create({ button: [{ type: 'click', name: 'a' }] })).to.equal(40019);
    expect(
      await create({ button: [{ type: 'view', name: 'a', url: 'https://x.cn/' + 'a'.repeat(1020) }] }),
    ).to.equal(40020);
    const sub = (buttons: unknown[]) => ({ button: [{ name: 'm', sub_button: buttons }] });
    expect(
      await create(sub([click('1'), click('2'), click('3'), click('4'), click('5'), click('6')])),
    ).to.equal(40023);
    expect(await create(sub([{ type: 'nope', name: 'x' }]))).to.equal(40024);
    expect(await create(sub([click('x'.repeat(61))]))).to.equal(40025);
    expect(
      await create(sub([{ type: 'view', name: 'x', url: 'https://x.cn/' + 'a'.repeat(1020) }])),
    ).to.equal(40027);
    expect(await create(sub([{ type: 'view', name: 'x', url: 'ftp://x.cn/' }]))).to.equal(40054);
    expect(await create(sub([click('x'.repeat(60))]))).to.equal(0);
  });
});
