import { WechatApiError, type WechatApi } from '../wechat-api/index.js';
import type { Follower } from './follower.js';
import type {
  FollowerJob,
  FollowerJobFailure,
  FollowerJobFilter,
  FollowerJobKind,
  FollowerJobRepo,
} from './follower-job.js';
import type { FollowerRepo } from './follower-repo.js';
import type { LocalTag, TagRepo } from './tag-repo.js';
import { listBlacklist, refreshTagsAndBlacklist } from './tag-refresh.js';
import {
  FollowerAdminError,
  isRequestRefusal,
  isReservedTag,
  MAX_TAGS,
  plainMessage,
  remarkProblem,
  tagNameProblem,
} from './tag-rules.js';

/** Options of {@link FollowerAdmin}. */
export interface FollowerAdminOptions {
  store: { tags: TagRepo; followerJobs: FollowerJobRepo; followers: FollowerRepo };
  apiFor: (appid: string) => WechatApi | undefined;
  /** Told when a job is queued (the runner starts it at once). */
  onJobQueued?: () => void;
}

/** A job with the followers WeChat refused. */
export interface FollowerJobView extends Omit<FollowerJob, 'failed'> {
  failed: FollowerJobFailure[];
}

/** Most OpenIDs one job request may name (the JSON body limit allows about 2 000 anyway). */
export const MAX_JOB_OPENIDS = 10_000;

/**
 * Tags, remarks and the blacklist (INTERFACE.md §10): WeChat's rules checked before calling where they can
 * be, its refusals turned into plain messages, and the local copy changed only for what WeChat accepted.
 */
export class FollowerAdmin {
  constructor(private readonly options: FollowerAdminOptions) {}

  private api(appid: string): WechatApi {
    const api = this.options.apiFor(appid);
    if (!api)
      throw new FollowerAdminError('not_found', 'account_not_found', `no configured account ${appid}`);
    return api;
  }

  /** WeChat's tag list (reserved tags included), stored locally; a tag deleted in WeChat disappears. */
  async listTags(appid: string): Promise<LocalTag[]> {
    const tags = await this.api(appid).getTags();
    await this.options.store.tags.replaceTags(appid, tags);
    return tags;
  }

  /** The tag list as last stored (no call). */
  storedTags(appid: string): Promise<LocalTag[]> {
    return this.options.store.tags.tags(appid);
  }

  async createTag(appid: string, name: unknown): Promise<{ id: number; name: string }> {
    const problem = tagNameProblem(name);
    if (problem) throw invalid('invalid_tag_name', problem);
    const text = name as string;
    const known = await this.options.store.tags.tags(appid);
    if (known.some((t) => t.name === text)) throw invalid('duplicate_tag', plainMessage(45157, ''));
    if (known.length >= MAX_TAGS) throw invalid('too_many_tags', plainMessage(45056, ''));
    const created = await wechat(() => this.api(appid).createTag(text));
    await this.options.store.tags.putTag(appid, { ...created, count: 0 });
    return created;
  }

  async renameTag(appid: string, id: number, name: unknown): Promise<{ id: number; name: string }> {
    if (isReservedTag(id)) throw invalid('reserved_tag', plainMessage(45058, ''));
    const problem = tagNameProblem(name);
    if (problem) throw invalid('invalid_tag_name', problem);
    const text = name as string;
    const known = await this.options.store.tags.tags(appid);
    if (known.some((t) => t.name === text && t.id !== id))
      throw invalid('duplicate_tag', plainMessage(45157, ''));
    await wechat(() => this.api(appid).updateTag(id, text));
    const count = known.find((t) => t.id === id)?.count ?? 0;
    await this.options.store.tags.putTag(appid, { id, name: text, count });
    return { id, name: text };
  }

  async deleteTag(appid: string, id: number): Promise<void> {
    if (isReservedTag(id)) throw invalid('reserved_tag', plainMessage(45058, ''));
    await wechat(() => this.api(appid).deleteTag(id));
    await this.options.store.tags.removeTag(appid, id);
  }

  /** Sets a remark in WeChat, then locally; over 30 bytes of UTF-8 is refused before calling. */
  async setRemark(appid: string, openid: string, remark: unknown): Promise<Follower> {
    const problem = remarkProblem(remark);
    if (problem) throw invalid('invalid_remark', problem);
    const follower = await this.options.store.followers.get(appid, openid);
    if (!follower)
      throw new FollowerAdminError('not_found', 'follower_not_found', 'no follower with this OpenID');
    await wechat(() => this.api(appid).updateRemark(openid, remark as string));
    await this.options.store.tags.setRemark(appid, openid, remark as string);
    return { ...follower, remark: remark as string };
  }

  /** WeChat's whole blacklist (every page), stored locally as the followers' `blacklisted` flag. */
  async blacklist(appid: string): Promise<string[]> {
    const api = this.api(appid);
    const openids = await wechat(() => listBlacklist(api));
    await this.options.store.tags.replaceBlacklist(appid, openids);
    return openids;
  }

  /** Sync: the tag list and the blacklist brought up to date from WeChat. */
  refresh(appid: string): Promise<{ tags: number; removedTags: number[]; blacklisted: number }> {
    return refreshTagsAndBlacklist(this.api(appid), this.options.store.tags, appid);
  }

  /**
   * Queues a job over a list of OpenIDs or every follower matching a filter. A filter that does not say
   * `subscribed` covers followers only: WeChat refuses to tag someone who left (40003).
   */
  async startJob(
    appid: string,
    kind: FollowerJobKind,
    input: { tagId?: number; openids?: unknown; filter?: unknown },
  ): Promise<FollowerJobView> {
    this.api(appid);
    const target = parseTarget(input.openids, input.filter);
    let tagId: number | null = null;
    if (kind === 'tag' || kind === 'untag') {
      tagId = input.tagId ?? -1;
      if (!(await this.knownTag(appid, tagId))) {
        throw new FollowerAdminError('not_found', 'tag_not_found', plainMessage(45159, ''));
      }
    }
    const job = await this.options.store.followerJobs.create({ appid, kind, tagId, ...target });
    this.options.onJobQueued?.();
    return { ...job, failed: [] };
  }

  async job(id: number): Promise<FollowerJobView | null> {
    const job = await this.options.store.followerJobs.get(id);
    if (!job) return null;
    return { ...job, failed: await this.options.store.followerJobs.failures(id) };
  }

  /** A tag WeChat has: the stored list first, WeChat's own list when the stored one does not have it. */
  private async knownTag(appid: string, id: number): Promise<boolean> {
    if ((await this.options.store.tags.tags(appid)).some((t) => t.id === id)) return true;
    return (await this.listTags(appid)).some((t) => t.id === id);
  }
}

function invalid(code: string, message: string): FollowerAdminError {
  return new FollowerAdminError('invalid', code, message);
}

/** A WeChat call whose refusals become plain 4xx messages. */
async function wechat<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    // Only refusals of this request: a missing IP whitelist entry or a bad AppSecret is the server's (502).
    if (err instanceof WechatApiError && isRequestRefusal(err.errcode)) {
      const kind = err.errcode === 45159 || err.errcode === 40003 ? 'not_found' : 'invalid';
      throw new FollowerAdminError(kind, `wechat_${err.errcode}`, plainMessage(err.errcode, err.errmsg));
    }
    throw err;
  }
}

/** `{"openids": [...]}` or `{"filter": {...}}`, checked. */
export function parseTarget(
  openids: unknown,
  filter: unknown,
): { openids: string[] } | { filter: FollowerJobFilter } {
  if (openids !== undefined && filter !== undefined)
    throw invalid('invalid_body', 'give either openids or filter, not both');
  if (openids !== undefined) {
    if (!Array.isArray(openids) || openids.length === 0)
      throw invalid('invalid_body', 'openids must be a non-empty array');
    if (openids.length > MAX_JOB_OPENIDS)
      throw invalid('invalid_body', `at most ${MAX_JOB_OPENIDS} openids a job`);
    if (!openids.every((o) => typeof o === 'string' && /^[\w-]{1,64}$/.test(o))) {
      throw invalid('invalid_body', 'every openid must be an OpenID string');
    }
    return { openids: openids as string[] };
  }
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw invalid('invalid_body', 'give openids (an array) or filter (an object)');
  }
  const f = filter as Record<string, unknown>;
  const out: FollowerJobFilter = {};
  for (const key of Object.keys(f)) {
    if (!['scene', 'subscribed', 'tag'].includes(key))
      throw invalid('invalid_body', `filter: unknown key "${key}"`);
  }
  if (f['scene'] !== undefined) {
    if (typeof f['scene'] !== 'string' || f['scene'] === '')
      throw invalid('invalid_body', 'filter.scene must be a string');
    out.scene = f['scene'];
  }
  if (f['subscribed'] !== undefined) {
    if (typeof f['subscribed'] !== 'boolean')
      throw invalid('invalid_body', 'filter.subscribed must be true or false');
    out.subscribed = f['subscribed'];
  } else {
    out.subscribed = true;
  }
  if (f['tag'] !== undefined) {
    if (!Number.isInteger(f['tag'])) throw invalid('invalid_body', 'filter.tag must be a tag id');
    out.tag = f['tag'] as number;
  }
  return { filter: out };
}
