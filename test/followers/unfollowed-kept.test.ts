/**
 * Issue 12: nothing lost when a person leaves. After an unfollow, user/info answers almost nothing for the
 * OpenID (WECHAT-PROTOCOL.md §6.2), and what it does answer may be empty defaults: the last known profile,
 * scene, tags and remark stay on the record, whether enrichment or a sync asked.
 */
import { expect } from 'chai';
import { saveUserInfo } from '../../src/followers/enrichment.js';
import { silentLogger } from '../../src/logger.js';
import { openStore, type Store } from '../../src/store/index.js';

describe('followers: what an unfollowed user/info answer cannot wipe', () => {
  let store: Store;
  const appid = 'wx0123456789abcdef';
  const openid = 'oLeaver0000000000000000000000';

  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
    await store.followers.recordEvent({
      appid,
      openid,
      type: 'subscribe',
      scene: 'spring',
      ticket: 't',
      createTime: 1_700_000_000,
      dedupKey: 'k1',
    });
    await saveUserInfo(
      store.followers,
      appid,
      [
        {
          openid,
          subscribe: 1,
          unionid: 'oUnion000000000000000000000001',
          subscribe_scene: 'ADD_SCENE_QR_CODE',
          qr_scene: 0,
          qr_scene_str: 'spring',
          tagid_list: [2, 101],
          remark: 'VIP',
          language: 'zh_CN',
          subscribe_time: 1_700_000_000,
        },
      ],
      silentLogger,
    );
  });
  afterEach(() => store.close());

  it('keeps profile, scene, tags and remark when user/info answers a leaver with empty defaults', async () => {
    await store.followers.recordEvent({
      appid,
      openid,
      type: 'unsubscribe',
      scene: null,
      ticket: null,
      createTime: 1_700_000_100,
      dedupKey: 'k2',
    });
    // What a sync or enrichment may get for someone who left: subscribe 0 and empty values.
    await saveUserInfo(
      store.followers,
      appid,
      [
        {
          openid,
          subscribe: 0,
          tagid_list: [],
          remark: '',
          subscribe_scene: '',
          qr_scene: 0,
          qr_scene_str: '',
          language: '',
        },
      ],
      silentLogger,
    );
    const f = await store.followers.get(appid, openid);
    expect(f).to.include({
      subscribed: false,
      unionid: 'oUnion000000000000000000000001',
      scene: 'spring',
      subscribeScene: 'ADD_SCENE_QR_CODE',
      qrSceneStr: 'spring',
      remark: 'VIP',
      language: 'zh_CN',
    });
    expect(f?.tags).to.deep.equal([2, 101]);
  });
});
