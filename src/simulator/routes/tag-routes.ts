import type { Router } from '@koa/router';
import { OK, wxError } from '../api-errors.js';
import type { Account } from '../account.js';
import type { World } from '../world.js';
import { api, authed, isRecord, isText, jsonBody } from './api-kit.js';

const TAG_NAME_CHARS = 30;
/** WeChat's own tags: not renamed or deleted (45058). */
const RESERVED = new Set([0, 1, 2]);
/** A tag with more followers than this is not deleted (45057). */
const DELETE_MAX_FANS = 100_000;
/** user/tag/get and getblacklist pages (§6.4, §6.4b). */
const PAGE = 10_000;
const BLACKLIST_BATCH_MAX = 20;

/**
 * tags/update, tags/delete, user/tag/get and the blacklist (§6.4, §6.4b), with WeChat's limits and codes.
 * tags/create, tags/get, batch(un)tagging and getidlist are in user-routes.ts.
 */
export function tagRoutes(router: Router, world: World): void {
  api(router, 'POST', '/cgi-bin/tags/update', (ctx) => {
    const account = authed(ctx, world);
    const tag = jsonBody(ctx)['tag'];
    const id = isRecord(tag) ? tag['id'] : undefined;
    const name = isRecord(tag) ? tag['name'] : undefined;
    if (typeof id !== 'number') throw wxError(45159);
    if (RESERVED.has(id)) throw wxError(45058);
    const found = account.tags.get(id);
    if (!found) throw wxError(45159);
    if (!isText(name) || [...name].length > TAG_NAME_CHARS) throw wxError(45158);
    if ([...account.tags.values()].some((t) => t.name === name && t.id !== id)) throw wxError(45157);
    found.name = name;
    return OK;
  });

  api(router, 'POST', '/cgi-bin/tags/delete', (ctx) => {
    const account = authed(ctx, world);
    const tag = jsonBody(ctx)['tag'];
    const id = isRecord(tag) ? tag['id'] : undefined;
    if (typeof id !== 'number') throw wxError(45159);
    if (RESERVED.has(id)) throw wxError(45058);
    if (!account.tags.has(id)) throw wxError(45159);
    const members = tagged(account, id);
    if (members.length > DELETE_MAX_FANS) throw wxError(45057);
    for (const openid of members) {
      const f = account.find(openid);
      if (f) f.tagIds = f.tagIds.filter((t) => t !== id);
    }
    account.tags.delete(id);
    return OK;
  });

  api(router, 'POST', '/cgi-bin/user/tag/get', (ctx) => {
    const account = authed(ctx, world);
    const body = jsonBody(ctx);
    const id = body['tagid'];
    if (typeof id !== 'number' || !account.tags.has(id)) throw wxError(45159);
    return page(tagged(account, id), body['next_openid']);
  });

  api(router, 'POST', '/cgi-bin/tags/members/getblacklist', (ctx) => {
    const account = authed(ctx, world);
    const body = jsonBody(ctx);
    const all = blacklisted(account);
    return { total: all.length, ...page(all, body['begin_openid']) };
  });

  for (const [path, add] of [
    ['/cgi-bin/tags/members/batchblacklist', true],
    ['/cgi-bin/tags/members/batchunblacklist', false],
  ] as const) {
    api(router, 'POST', path, (ctx) => {
      const account = authed(ctx, world);
      const list = jsonBody(ctx)['openid_list'];
      if (!Array.isArray(list) || list.length === 0 || list.length > BLACKLIST_BATCH_MAX)
        throw wxError(40032);
      const users = list.map((openid) => {
        const f = isText(openid) ? account.find(openid) : undefined;
        if (!f) throw wxError(40003);
        return f;
      });
      for (const f of users) f.blacklisted = add;
      return OK;
    });
  }
}

/** Followers carrying a tag, in follow order. */
function tagged(account: Account, id: number): string[] {
  return account.followers().filter((openid) => account.find(openid)?.tagIds.includes(id));
}

/** Everyone on the blacklist (followers or not), in follow order. */
function blacklisted(account: Account): string[] {
  return account.followers().filter((openid) => account.find(openid)?.blacklisted);
}

/** A page of OpenIDs after `after` (empty = from the start), shaped like user/get (§6.3). */
function page(all: string[], after: unknown): Record<string, unknown> {
  let start = 0;
  if (isText(after)) {
    const at = all.indexOf(after);
    if (at < 0) throw wxError(40003, 'next_openid');
    start = at + 1;
  }
  const openids = all.slice(start, start + PAGE);
  if (openids.length === 0) return { count: 0, next_openid: '' };
  return { count: openids.length, data: { openid: openids }, next_openid: openids[openids.length - 1] };
}
