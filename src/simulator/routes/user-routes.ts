import type { Router } from '@koa/router';
import { OK, wxError } from '../api-errors.js';
import type { Account } from '../account.js';
import type { Follower } from '../follower.js';
import type { World } from '../world.js';
import { api, authed, isRecord, isText, jsonBody, param } from './api-kit.js';

/** user/get pages hold up to 10 000 openids (§6.3). */
export const USER_GET_PAGE = 10_000;
/** user/info/batchget takes at most 100 users (§6.2); more (or none) answers 40032 "invalid openid list size". */
export const BATCHGET_MAX = 100;
const MAX_TAGS = 100;
const TAG_NAME_CHARS = 30;
const TAGS_PER_USER = 20;
const BATCH_TAGGING_MAX = 50;
const REMARK_CHARS = 30;

/** user/info's object (§6.2): only subscribe/openid/unionid for someone not following. */
export function userInfo(f: Follower): Record<string, unknown> {
  if (!f.subscribed) return { subscribe: 0, openid: f.openid, unionid: f.unionid };
  return {
    subscribe: 1,
    openid: f.openid,
    language: f.language,
    subscribe_time: f.subscribeTime,
    unionid: f.unionid,
    remark: f.remark,
    groupid: 0,
    tagid_list: [...f.tagIds],
    subscribe_scene: f.subscribeScene,
    qr_scene: f.qrScene,
    qr_scene_str: f.qrSceneStr,
  };
}

function follower(account: Account, openid: unknown): Follower {
  if (!isText(openid)) throw wxError(41009);
  const found = account.find(openid);
  if (!found) throw wxError(40003);
  return found;
}

/** user/info, user/info/batchget, user/get, user/info/updateremark and tags (§6.2–§6.4). */
export function userRoutes(router: Router, world: World): void {
  api(router, 'GET', '/cgi-bin/user/info', (ctx) =>
    userInfo(follower(authed(ctx, world), param(ctx, 'openid'))),
  );

  api(router, 'POST', '/cgi-bin/user/info/batchget', (ctx) => {
    const account = authed(ctx, world);
    const list = jsonBody(ctx)['user_list'];
    if (!Array.isArray(list)) throw wxError(47001, 'user_list must be an array');
    if (list.length === 0 || list.length > BATCHGET_MAX)
      throw wxError(40032, `user_list holds ${list.length}, 1 to 100 allowed`);
    const users = list.map((entry) => follower(account, isRecord(entry) ? entry['openid'] : undefined));
    return { user_info_list: users.map(userInfo) };
  });

  api(router, 'GET', '/cgi-bin/user/get', (ctx) => {
    const account = authed(ctx, world);
    const page = account.followerPage(param(ctx, 'next_openid'), USER_GET_PAGE);
    if (!page) throw wxError(40003, 'next_openid');
    const total = account.followerCount;
    // The end of the list is `count: 0` without `data` and an empty next_openid (§6.3).
    if (page.length === 0) return { total, count: 0, next_openid: '' };
    return { total, count: page.length, data: { openid: page }, next_openid: page[page.length - 1] };
  });

  api(router, 'POST', '/cgi-bin/user/info/updateremark', (ctx) => {
    const account = authed(ctx, world);
    const body = jsonBody(ctx);
    const f = follower(account, body['openid']);
    const remark = body['remark'];
    // The doc limits remarks to 30 characters without naming a code; 40035 "invalid args" is chosen.
    if (typeof remark !== 'string' || [...remark].length > REMARK_CHARS)
      throw wxError(40035, 'remark: up to 30 characters');
    // What WeChat does in practice (§6.4b): past about 30 bytes of UTF-8 the call fails.
    if (Buffer.byteLength(remark, 'utf8') > REMARK_CHARS) throw wxError(40092, 'remark too long');
    f.remark = remark;
    return OK;
  });

  api(router, 'GET', '/cgi-bin/tags/get', (ctx) => {
    const account = authed(ctx, world);
    return { tags: [...account.tags.values()].map((t) => ({ ...t, count: countTagged(account, t.id) })) };
  });

  api(router, 'POST', '/cgi-bin/tags/create', (ctx) => {
    const account = authed(ctx, world);
    const tag = jsonBody(ctx)['tag'];
    const name = isRecord(tag) ? tag['name'] : undefined;
    if (!isText(name) || [...name].length > TAG_NAME_CHARS) throw wxError(45158);
    if ([...account.tags.values()].some((t) => t.name === name)) throw wxError(45157);
    if (account.tags.size >= MAX_TAGS) throw wxError(45056);
    const created = { id: account.nextTagId++, name };
    account.tags.set(created.id, created);
    return { tag: created };
  });

  for (const [path, add] of [
    ['/cgi-bin/tags/members/batchtagging', true],
    ['/cgi-bin/tags/members/batchuntagging', false],
  ] as const) {
    api(router, 'POST', path, (ctx) => {
      const account = authed(ctx, world);
      const body = jsonBody(ctx);
      const list = body['openid_list'];
      if (!Array.isArray(list) || list.length === 0 || list.length > BATCH_TAGGING_MAX) throw wxError(40032);
      const tagid = body['tagid'];
      if (typeof tagid !== 'number' || !account.tags.has(tagid)) throw wxError(45159);
      const users = list.map((openid) => follower(account, openid));
      // All or nothing, as WeChat answers one code for the call: every follower is checked first.
      if (users.some((f) => !f.subscribed)) throw wxError(40003);
      if (add && users.some((f) => !f.tagIds.includes(tagid) && f.tagIds.length >= TAGS_PER_USER))
        throw wxError(45059);
      for (const f of users) {
        if (add && !f.tagIds.includes(tagid)) {
          f.tagIds.push(tagid);
        } else if (!add) {
          f.tagIds = f.tagIds.filter((id) => id !== tagid);
        }
      }
      return OK;
    });
  }

  api(router, 'POST', '/cgi-bin/tags/getidlist', (ctx) => {
    const f = follower(authed(ctx, world), jsonBody(ctx)['openid']);
    return { tagid_list: [...f.tagIds] };
  });
}

function countTagged(account: Account, tagId: number): number {
  return account.followers().filter((openid) => account.find(openid)?.tagIds.includes(tagId)).length;
}
