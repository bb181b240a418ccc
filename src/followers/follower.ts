/** A follower as the admin API shows it (INTERFACE.md §5). */
export interface Follower {
  appid: string;
  openid: string;
  unionid: string | null;
  subscribed: boolean;
  subscribeTime: number | null;
  unsubscribeTime: number | null;
  /** The QR scene of the follow that brought them (from `qrscene_X`), null for other follows. */
  scene: string | null;
  subscribeScene: string | null;
  qrScene: number | null;
  qrSceneStr: string | null;
  tags: number[];
  remark: string;
  language: string | null;
  /** ISO time of the last successful enrichment, null until enriched. */
  enrichedAt: string | null;
  /** On the account's blacklist (INTERFACE.md §10), as WeChat last confirmed. */
  blacklisted: boolean;
}

export type FollowerEventType = 'subscribe' | 'unsubscribe' | 'scan';

/** A follow, unfollow or scan as captured from a push. */
export interface FollowerEventInput {
  appid: string;
  openid: string;
  type: FollowerEventType;
  /** The scene: `X` of `qrscene_X` for a subscribe, the EventKey of a SCAN; null otherwise. */
  scene: string | null;
  ticket: string | null;
  /** The push's CreateTime (Unix seconds). */
  createTime: number;
  /** The push's dedup key (INTERFACE.md §3): unique, so a retried push is stored once across instances. */
  dedupKey: string;
}

export interface FollowerEvent {
  type: FollowerEventType;
  scene: string | null;
  createTime: number;
}
