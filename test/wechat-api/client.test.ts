import { expect } from 'chai';
import {
  QrCodeRequestError,
  WechatApi,
  WechatApiError,
  type WechatApiOptions,
} from '../../src/wechat-api/index.js';
import { startFakeWechat, type FakeWechat } from './fake-wechat.js';

describe('WechatApi endpoints', () => {
  let fake: FakeWechat;
  beforeEach(async () => {
    fake = await startFakeWechat();
  });
  afterEach(() => fake.close());

  const api = (extra: Partial<WechatApiOptions> = {}): WechatApi =>
    new WechatApi({ appid: 'wxapp', appsecret: 'the-app-secret', apiBase: fake.url, backoffMs: 1, ...extra });

  describe('users', () => {
    it('gets user info by openid and language, without the status fields', async () => {
      fake.route('GET /cgi-bin/user/info', (call) => ({
        json: { subscribe: 1, openid: call.query['openid'], language: call.query['lang'], tagid_list: [2] },
      }));
      const info = await api().getUserInfo('o-1', 'en');
      expect(info).to.deep.equal({ subscribe: 1, openid: 'o-1', language: 'en', tagid_list: [2] });
    });

    it('batch-gets 250 openids in three calls of at most 100, results in order', async () => {
      fake.route('POST /cgi-bin/user/info/batchget', (call) => {
        const list = (call.body as { user_list: Array<{ openid: string }> }).user_list;
        return { json: { user_info_list: list.map((u) => ({ subscribe: 1, openid: u.openid })) } };
      });
      const openids = Array.from({ length: 250 }, (_, i) => `o-${i}`);
      const infos = await api().batchGetUserInfo(openids);
      expect(infos.map((i) => i.openid)).to.deep.equal(openids);
      const sizes = fake
        .callsTo('/cgi-bin/user/info/batchget')
        .map((c) => (c.body as { user_list: unknown[] }).user_list.length);
      expect(sizes).to.deep.equal([100, 100, 50]);
      const first = (fake.callsTo('/cgi-bin/user/info/batchget')[0]?.body as { user_list: unknown[] })
        .user_list[0];
      expect(first).to.deep.equal({ openid: 'o-0', lang: 'zh_CN' });
    });

    it('sends nothing for an empty batch', async () => {
      expect(await api().batchGetUserInfo([])).to.deep.equal([]);
      expect(fake.calls).to.have.length(0);
    });

    it('updates a remark', async () => {
      fake.route('POST /cgi-bin/user/info/updateremark', () => ({ json: { errcode: 0, errmsg: 'ok' } }));
      await api().updateRemark('o-1', 'VIP');
      expect(fake.callsTo('/cgi-bin/user/info/updateremark')[0]?.body).to.deep.equal({
        openid: 'o-1',
        remark: 'VIP',
      });
    });

    it('lists tags', async () => {
      fake.route('GET /cgi-bin/tags/get', () => ({ json: { tags: [{ id: 2, name: '星标组', count: 3 }] } }));
      expect(await api().getTags()).to.deep.equal([{ id: 2, name: '星标组', count: 3 }]);
    });
  });

  describe('followers', () => {
    /** Three pages of two, then WeChat's end page: count 0, no data, next_openid still set (§6.3). */
    const paged = (call: { query: Record<string, string> }) => {
      const all = ['a', 'b', 'c', 'd', 'e'];
      const start = call.query['next_openid'] === undefined ? 0 : all.indexOf(call.query['next_openid']) + 1;
      const page = all.slice(start, start + 2);
      if (page.length === 0) return { json: { total: 5, count: 0, next_openid: 'e' } };
      return { json: { total: 5, count: page.length, data: { openid: page }, next_openid: page.at(-1) } };
    };

    it('reads one page, omitting next_openid on the first', async () => {
      fake.route('GET /cgi-bin/user/get', paged);
      const page = await api().getFollowers();
      expect(page).to.deep.equal({ total: 5, count: 2, openids: ['a', 'b'], nextOpenid: 'b' });
      expect(fake.callsTo('/cgi-bin/user/get')[0]?.query).to.not.have.property('next_openid');
    });

    it('iterates pages until a page without data, though next_openid is still sent', async () => {
      fake.route('GET /cgi-bin/user/get', paged);
      const pages: string[][] = [];
      for await (const page of api().iterateFollowers()) pages.push(page.openids);
      expect(pages).to.deep.equal([['a', 'b'], ['c', 'd'], ['e']]);
      expect(fake.callsTo('/cgi-bin/user/get').map((c) => c.query['next_openid'])).to.deep.equal([
        undefined,
        'b',
        'd',
        'e',
      ]);
    });

    it('resumes after a given openid', async () => {
      fake.route('GET /cgi-bin/user/get', paged);
      const seen: string[] = [];
      for await (const page of api().iterateFollowers('c')) seen.push(...page.openids);
      expect(seen).to.deep.equal(['d', 'e']);
    });

    it('stops when next_openid is empty', async () => {
      fake.route('GET /cgi-bin/user/get', () => ({
        json: { total: 1, count: 1, data: { openid: ['a'] }, next_openid: '' },
      }));
      const pages = [];
      for await (const page of api().iterateFollowers()) pages.push(page);
      expect(pages).to.deep.equal([{ total: 1, openids: ['a'], nextOpenid: null }]);
      expect(fake.callsTo('/cgi-bin/user/get')).to.have.length(1);
    });

    it('stops when WeChat repeats the cursor instead of looping', async () => {
      fake.route('GET /cgi-bin/user/get', () => ({
        json: { total: 1, count: 1, data: { openid: ['a'] }, next_openid: 'a' },
      }));
      let pages = 0;
      for await (const _page of api().iterateFollowers()) pages += 1;
      expect(pages).to.equal(2);
      expect(fake.callsTo('/cgi-bin/user/get')).to.have.length(2);
    });
  });

  describe('QR codes', () => {
    beforeEach(() => {
      fake.route('POST /cgi-bin/qrcode/create', (call) => {
        const body = call.body as { expire_seconds?: number };
        return {
          json: {
            ticket: 'gQH4+8/Ag==',
            url: 'http://weixin.qq.com/q/abc',
            ...(body.expire_seconds === undefined ? {} : { expire_seconds: body.expire_seconds }),
          },
        };
      });
    });

    it('creates a temporary string-scene code with 30 days by default and an image URL on the API base', async () => {
      const qr = await api().createQrCode({ scene: 'spring' });
      expect(fake.callsTo('/cgi-bin/qrcode/create')[0]?.body).to.deep.equal({
        expire_seconds: 2_592_000,
        action_name: 'QR_STR_SCENE',
        action_info: { scene: { scene_str: 'spring' } },
      });
      expect(qr).to.deep.equal({
        ticket: 'gQH4+8/Ag==',
        url: 'http://weixin.qq.com/q/abc',
        expireSeconds: 2_592_000,
        imageUrl: `${fake.url}/cgi-bin/showqrcode?ticket=gQH4%2B8%2FAg%3D%3D`,
      });
    });

    it('creates a permanent numeric-scene code without expire_seconds', async () => {
      const qr = await api().createQrCode({ scene: 42, permanent: true });
      expect(fake.callsTo('/cgi-bin/qrcode/create')[0]?.body).to.deep.equal({
        action_name: 'QR_LIMIT_SCENE',
        action_info: { scene: { scene_id: 42 } },
      });
      expect(qr.expireSeconds).to.equal(null);
    });

    it('refuses a bad request before sending anything', async () => {
      const err = await api()
        .createQrCode({ scene: 0 })
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(QrCodeRequestError);
      expect(fake.calls).to.have.length(0);
    });
  });

  describe('menu', () => {
    it('creates, reads and deletes the menu', async () => {
      const menu = { button: [{ type: 'click', name: 'Help', key: 'MENU_HELP' }] };
      fake.route('POST /cgi-bin/menu/create', () => ({ json: { errcode: 0, errmsg: 'ok' } }));
      fake.route('GET /cgi-bin/menu/get', () => ({ json: { menu } }));
      fake.route('GET /cgi-bin/menu/delete', () => ({ json: { errcode: 0, errmsg: 'ok' } }));
      const client = api();
      await client.createMenu(menu);
      expect(fake.callsTo('/cgi-bin/menu/create')[0]?.body).to.deep.equal(menu);
      expect(await client.getMenu()).to.deep.equal({ menu });
      await client.deleteMenu();
      expect(fake.callsTo('/cgi-bin/menu/delete')).to.have.length(1);
    });

    it('reads a missing menu (46003) as null', async () => {
      fake.route('GET /cgi-bin/menu/get', () => ({
        json: { errcode: 46003, errmsg: 'menu no exist rid: 1' },
      }));
      expect(await api().getMenu()).to.equal(null);
    });
  });

  describe('customer service', () => {
    it('sends a text message as a named agent', async () => {
      fake.route('POST /cgi-bin/message/custom/send', () => ({ json: { errcode: 0, errmsg: 'ok' } }));
      await api().sendCustomMessage({
        touser: 'o-1',
        type: 'text',
        content: 'Hello',
        kfAccount: 'test1@kftest',
      });
      expect(fake.callsTo('/cgi-bin/message/custom/send')[0]?.body).to.deep.equal({
        touser: 'o-1',
        msgtype: 'text',
        text: { content: 'Hello' },
        customservice: { kf_account: 'test1@kftest' },
      });
    });

    it('surfaces 45015 as WechatApiError with the service-window hint', async () => {
      fake.route('POST /cgi-bin/message/custom/send', () => ({
        json: { errcode: 45015, errmsg: 'response out of time limit or subscription is canceled rid: 9' },
      }));
      const err = (await api()
        .sendCustomMessage({ touser: 'o-1', type: 'text', content: 'late' })
        .catch((e: unknown) => e)) as WechatApiError;
      expect(err).to.be.instanceOf(WechatApiError);
      expect(err.errcode).to.equal(45015);
      expect(err.hint).to.match(/48 hours/);
    });

    it('sends the typing indicator', async () => {
      fake.route('POST /cgi-bin/message/custom/typing', () => ({ json: { errcode: 0, errmsg: 'ok' } }));
      await api().typing('o-1', 'Typing');
      expect(fake.callsTo('/cgi-bin/message/custom/typing')[0]?.body).to.deep.equal({
        touser: 'o-1',
        command: 'Typing',
      });
    });
  });

  describe('OAuth', () => {
    it('exchanges a code with the AppSecret and maps the answer, without a base access_token', async () => {
      fake.route('GET /sns/oauth2/access_token', () => ({
        json: {
          access_token: 'oauth-at',
          expires_in: 7200,
          refresh_token: 'oauth-rt',
          openid: 'o-1',
          scope: 'snsapi_userinfo',
          unionid: 'u-1',
          is_snapshotuser: 1,
        },
      }));
      const token = await api().oauthExchangeCode('CODE');
      expect(token).to.deep.equal({
        accessToken: 'oauth-at',
        expiresIn: 7200,
        refreshToken: 'oauth-rt',
        openid: 'o-1',
        scope: 'snsapi_userinfo',
        unionid: 'u-1',
        isSnapshotUser: true,
      });
      expect(fake.callsTo('/sns/oauth2/access_token')[0]?.query).to.deep.equal({
        appid: 'wxapp',
        secret: 'the-app-secret',
        code: 'CODE',
        grant_type: 'authorization_code',
      });
      expect(fake.callsTo('/cgi-bin/stable_token')).to.have.length(0);
    });

    it('reports a used code (40163) with a hint and does not retry it', async () => {
      fake.route('GET /sns/oauth2/access_token', () => ({
        json: { errcode: 40163, errmsg: 'code been used' },
      }));
      const err = (await api()
        .oauthExchangeCode('CODE')
        .catch((e: unknown) => e)) as WechatApiError;
      expect(err.errcode).to.equal(40163);
      expect(err.hint).to.match(/single-use/);
      expect(fake.callsTo('/sns/oauth2/access_token')).to.have.length(1);
    });

    it('does not treat a 40001 from /sns as a stale base token', async () => {
      fake.route('GET /sns/userinfo', () => ({ json: { errcode: 40001, errmsg: 'invalid credential' } }));
      const err = await api()
        .oauthUserInfo('oauth-at', 'o-1')
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(WechatApiError);
      expect(fake.callsTo('/sns/userinfo')).to.have.length(1);
      expect(fake.callsTo('/cgi-bin/stable_token')).to.have.length(0);
    });

    it('refreshes an OAuth token', async () => {
      fake.route('GET /sns/oauth2/refresh_token', () => ({
        json: {
          access_token: 'at-2',
          expires_in: 7200,
          refresh_token: 'rt',
          openid: 'o-1',
          scope: 'snsapi_base',
        },
      }));
      const token = await api().oauthRefresh('rt');
      expect(token.accessToken).to.equal('at-2');
      expect(token.isSnapshotUser).to.equal(false);
      expect(token).to.not.have.property('unionid');
      expect(fake.callsTo('/sns/oauth2/refresh_token')[0]?.query).to.deep.equal({
        appid: 'wxapp',
        grant_type: 'refresh_token',
        refresh_token: 'rt',
      });
    });

    it('reads the OAuth user profile', async () => {
      fake.route('GET /sns/userinfo', () => ({
        json: {
          openid: 'o-1',
          nickname: 'Ann',
          sex: 0,
          headimgurl: 'https://x/0',
          privilege: [],
          unionid: 'u-1',
        },
      }));
      expect(await api().oauthUserInfo('oauth-at', 'o-1')).to.deep.equal({
        openid: 'o-1',
        nickname: 'Ann',
        sex: 0,
        province: '',
        city: '',
        country: '',
        headimgurl: 'https://x/0',
        privilege: [],
        unionid: 'u-1',
      });
    });

    it('checks an OAuth token: true when valid, false for an invalid one, an error for anything else', async () => {
      let answer: unknown = { errcode: 0, errmsg: 'ok' };
      fake.route('GET /sns/auth', () => ({ json: answer }));
      const client = api();
      expect(await client.oauthCheck('at', 'o-1')).to.equal(true);
      answer = { errcode: 40003, errmsg: 'invalid openid' };
      expect(await client.oauthCheck('at', 'o-2')).to.equal(false);
      answer = { errcode: 45011, errmsg: 'api minute-quota reach limit' };
      const err = await client.oauthCheck('at', 'o-1').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(WechatApiError);
    });
  });

  it('refuses an empty AppID or AppSecret, or an apiBase that is not a URL, at construction', () => {
    expect(() => new WechatApi({ appid: '', appsecret: 's' })).to.throw(TypeError, /appid/);
    expect(() => new WechatApi({ appid: 'a', appsecret: '' })).to.throw(TypeError, /appsecret/);
    expect(() => new WechatApi({ appid: 'a', appsecret: 's', apiBase: 'api.weixin.qq.com' })).to.throw(
      TypeError,
      /apiBase/,
    );
  });
});
