/** A tag of the account as WeChat last listed it (§6.4 tags/get). */
export interface LocalTag {
  id: number;
  name: string;
  /** Followers carrying it, as WeChat counted them. */
  count: number;
}

/** The local copy of the account's tags, remarks and blacklist, kept in step with WeChat. */
export interface TagRepo {
  /** The tag list as last stored, by id. */
  tags(appid: string): Promise<LocalTag[]>;
  /**
   * Stores WeChat's whole tag list. A tag no longer in it (deleted in WeChat's own console) is removed,
   * from the list and from every follower carrying it; returns the ids removed.
   */
  replaceTags(appid: string, tags: readonly LocalTag[]): Promise<number[]>;
  /** Stores one tag, created or renamed. */
  putTag(appid: string, tag: LocalTag): Promise<void>;
  /** Removes one tag, from the list and from every follower carrying it. */
  removeTag(appid: string, id: number): Promise<void>;
  /** Local followers carrying the tag, counted on the follower_tags index. */
  memberCount(appid: string, id: number): Promise<number>;
  /** Sets a follower's remark; false when the follower is not known. */
  setRemark(appid: string, openid: string, remark: string): Promise<boolean>;
  /** The OpenIDs marked blacklisted, in OpenID order. */
  blacklist(appid: string): Promise<string[]>;
  /** Marks exactly these OpenIDs blacklisted (those known locally) and no others. */
  replaceBlacklist(appid: string, openids: readonly string[]): Promise<void>;
}
