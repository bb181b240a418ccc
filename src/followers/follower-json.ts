import type { Follower } from './follower.js';

/**
 * Exactly the follower object of INTERFACE.md §5, whatever else a store row carries: the admin API and the
 * JSON Lines export both answer with it, so a field added to the store never leaks out by accident.
 */
export function followerJson(f: Follower): Follower {
  return {
    appid: f.appid,
    openid: f.openid,
    unionid: f.unionid,
    subscribed: f.subscribed,
    subscribeTime: f.subscribeTime,
    unsubscribeTime: f.unsubscribeTime,
    scene: f.scene,
    subscribeScene: f.subscribeScene,
    qrScene: f.qrScene,
    qrSceneStr: f.qrSceneStr,
    tags: f.tags,
    remark: f.remark,
    language: f.language,
    enrichedAt: f.enrichedAt,
    blacklisted: f.blacklisted,
  };
}
