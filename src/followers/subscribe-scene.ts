/**
 * How a person came to follow, as user/info's `subscribe_scene` says it (WECHAT-PROTOCOL.md §6.2), in words
 * an operator reads. An unknown value (WeChat adds some now and then) is shown as WeChat sent it.
 */
const SUBSCRIBE_SCENE_LABELS: Readonly<Record<string, string>> = {
  ADD_SCENE_SEARCH: 'Search',
  ADD_SCENE_ACCOUNT_MIGRATION: 'Account migration',
  ADD_SCENE_PROFILE_CARD: 'Profile card (shared contact)',
  ADD_SCENE_QR_CODE: 'QR code',
  ADD_SCENE_PROFILE_LINK: 'Link in an article',
  ADD_SCENE_PROFILE_ITEM: 'Account profile page',
  ADD_SCENE_PAID: 'Paid follow',
  ADD_SCENE_WECHAT_ADVERTISEMENT: 'WeChat advertisement',
  ADD_SCENE_REPRINT: 'Reprinted article',
  ADD_SCENE_LIVESTREAM: 'Live stream',
  ADD_SCENE_CHANNELS: 'Channels (视频号)',
  ADD_SCENE_OTHERS: 'Other',
};

/** The operator's words for a `subscribe_scene` value. */
export function subscribeSceneLabel(scene: string): string {
  return SUBSCRIBE_SCENE_LABELS[scene] ?? scene;
}
