import { expect } from 'chai';
import { ManualClock, startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { getJson, postJson, tokenFor } from './support.js';

describe('simulator: users, followers and tags (§6.2–§6.4)', () => {
  let sim: Simulator;
  let account: SimAccount;
  let token: string;
  const api = (path: string, query: Record<string, string> = {}) =>
    getJson(`${sim.url}${path}?${new URLSearchParams({ access_token: token, ...query })}`);
  const post = (path: string, body: unknown) =>
    postJson(`${sim.url}${path}?access_token=${encodeURIComponent(token)}`, body);

  beforeEach(async () => {
    sim = await startSimulator({ clock: new ManualClock(1_767_225_600_000) });
    account = sim.createAccount();
    token = await tokenFor(sim, account);
  });
  afterEach(() => sim.close());

  it('shows a follower who came through a QR scene as ADD_SCENE_QR_CODE with the scene', async () => {
    const qr = await post('/cgi-bin/qrcode/create', {
      expire_seconds: 600,
      action_name: 'QR_STR_SCENE',
      action_info: { scene: { scene_str: 'spring' } },
    });
    const f = account.follower();
    await f.follow({ scene: qr.ticket });
    const info = await api('/cgi-bin/user/info', { openid: f.openid, lang: 'zh_CN' });
    expect(info).to.deep.include({
      subscribe: 1,
      openid: f.openid,
      unionid: f.unionid,
      subscribe_time: 1_767_225_600,
      subscribe_scene: 'ADD_SCENE_QR_CODE',
      qr_scene: 0,
      qr_scene_str: 'spring',
      remark: '',
    });
    expect(info).to.not.have.property('nickname');
  });

  it('answers subscribe 0 with only openid and unionid for someone who unfollowed', async () => {
    const f = account.follower();
    await f.follow();
    await f.unfollow();
    expect(await api('/cgi-bin/user/info', { openid: f.openid })).to.deep.equal({
      subscribe: 0,
      openid: f.openid,
      unionid: f.unionid,
    });
  });

  it('answers 40003 for an openid of another account and 41009 without one', async () => {
    const other = sim.createAccount().follower();
    expect((await api('/cgi-bin/user/info', { openid: other.openid })).errcode).to.equal(40003);
    expect((await api('/cgi-bin/user/info')).errcode).to.equal(41009);
  });

  it('gives the same unionid and different openids to one person on two accounts', async () => {
    const second = sim.createAccount();
    const person = sim.createPerson();
    const a = account.follower(person);
    const b = second.follower(person);
    await a.follow();
    await b.follow();
    expect(a.openid).to.not.equal(b.openid);
    expect(account.follower(person)).to.equal(a);
    const infoA = await api('/cgi-bin/user/info', { openid: a.openid });
    const infoB = await getJson(
      `${sim.url}/cgi-bin/user/info?access_token=${encodeURIComponent(await tokenFor(sim, second))}&openid=${b.openid}`,
    );
    expect(infoA.unionid).to.equal(person.unionid);
    expect(infoB.unionid).to.equal(person.unionid);
  });

  it('batchgets up to 100 users and rejects 101 with 40032', async () => {
    const openids = account.seedFollowers(101).map((f) => f.openid);
    const list = (n: number) => ({
      user_list: openids.slice(0, n).map((openid) => ({ openid, lang: 'zh_CN' })),
    });
    const ok = await post('/cgi-bin/user/info/batchget', list(100));
    expect(ok.user_info_list).to.have.length(100);
    expect(ok.user_info_list[99].openid).to.equal(openids[99]);
    expect((await post('/cgi-bin/user/info/batchget', list(101))).errcode).to.equal(40032);
    expect((await post('/cgi-bin/user/info/batchget', list(0))).errcode).to.equal(40032);
    expect(
      (await post('/cgi-bin/user/info/batchget', { user_list: [{ openid: 'oNobody' }] })).errcode,
    ).to.equal(40003);
  });

  it('pages user/get 10 000 at a time and ends with count 0, no data and an empty next_openid', async () => {
    const seeded = account.seedFollowers(10_001).map((f) => f.openid);
    const first = await api('/cgi-bin/user/get');
    expect(first.total).to.equal(10_001);
    expect(first.count).to.equal(10_000);
    expect(first.data.openid).to.deep.equal(seeded.slice(0, 10_000));
    expect(first.next_openid).to.equal(seeded[9_999]);
    const second = await api('/cgi-bin/user/get', { next_openid: first.next_openid });
    expect(second).to.deep.equal({
      total: 10_001,
      count: 1,
      data: { openid: [seeded[10_000]] },
      next_openid: seeded[10_000],
    });
    const end = await api('/cgi-bin/user/get', { next_openid: second.next_openid });
    expect(end).to.deep.equal({ total: 10_001, count: 0, next_openid: '' });
  });

  it('leaves unfollowed users out of user/get', async () => {
    const [a, b] = account.seedFollowers(2);
    await a!.unfollow();
    expect(await api('/cgi-bin/user/get')).to.deep.include({
      total: 1,
      count: 1,
      data: { openid: [b!.openid] },
    });
    expect(account.followers()).to.deep.equal([b!.openid]);
  });

  it('stores remarks and tags, and shows them in user/info', async () => {
    const [f] = account.seedFollowers(1);
    expect(await post('/cgi-bin/user/info/updateremark', { openid: f!.openid, remark: 'VIP' })).to.deep.equal(
      { errcode: 0, errmsg: 'ok' },
    );
    const { tag } = await post('/cgi-bin/tags/create', { tag: { name: '广东' } });
    expect((await post('/cgi-bin/tags/create', { tag: { name: '广东' } })).errcode).to.equal(45157);
    await post('/cgi-bin/tags/members/batchtagging', { openid_list: [f!.openid], tagid: tag.id });
    const info = await api('/cgi-bin/user/info', { openid: f!.openid });
    expect(info.remark).to.equal('VIP');
    expect(info.tagid_list).to.deep.equal([tag.id]);
    const { tags } = await api('/cgi-bin/tags/get');
    expect(tags).to.deep.include({ id: tag.id, name: '广东', count: 1 });
    expect(tags).to.deep.include({ id: 2, name: '星标组', count: 0 });
  });
});
