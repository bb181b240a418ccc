import type { FollowerListPage } from './sync.js';
import type { LocalTag, TagRepo } from './tag-repo.js';

/** What refreshing the tag list and the blacklist needs of the WeChat API client. */
export interface TagListApi {
  getTags(): Promise<LocalTag[]>;
  getBlacklist(beginOpenid?: string): Promise<FollowerListPage>;
}

/** The whole blacklist, every page of `tags/members/getblacklist` (§6.4b). */
export async function listBlacklist(api: Pick<TagListApi, 'getBlacklist'>): Promise<string[]> {
  const openids: string[] = [];
  let begin: string | undefined;
  for (;;) {
    const page = await api.getBlacklist(begin);
    openids.push(...page.openids);
    const next = page.nextOpenid ?? null;
    if (page.openids.length === 0 || next === null || next === '' || next === begin) return openids;
    begin = next;
  }
}

/**
 * Brings the local tag list and blacklist up to date with WeChat (what `wxoa sync` adds to the follower
 * list): a tag deleted in WeChat's own console is removed from the list and from every follower.
 */
export async function refreshTagsAndBlacklist(
  api: TagListApi,
  tags: TagRepo,
  appid: string,
): Promise<{ tags: number; removedTags: number[]; blacklisted: number }> {
  const list = await api.getTags();
  const removedTags = await tags.replaceTags(appid, list);
  const blacklist = await listBlacklist(api);
  await tags.replaceBlacklist(appid, blacklist);
  return { tags: list.length, removedTags, blacklisted: blacklist.length };
}
