import { Router } from '@koa/router';
import type { Context } from 'koa';
import { followerJson } from '../followers/follower-json.js';
import {
  FOLLOWER_SORTS,
  InvalidCursorError,
  type FollowerQuery,
  type FollowerRepo,
  type FollowerSort,
} from '../followers/follower-repo.js';
import type { IdentityRepo } from '../identities/identity-repo.js';
import { unionidReason } from '../identities/unionid-reason.js';
import { ApiError } from './api-error.js';
import { accountResolver, limitQuery, singleQuery } from './api-query.js';

/** Options of {@link followersApiRouter}. */
export interface FollowersApiOptions {
  store: { followers: FollowerRepo; identities?: IdentityRepo };
  /** The primary account (WECHAT_APPID): what the routes answer about unless `?appid=` names another. */
  appid: string | (() => string);
  /** Every account `?appid=` may name (the primary one is always allowed). */
  appids?: readonly string[];
  /** Where the routes live; default `/api`. */
  prefix?: string;
}

/** Page size of `GET /api/followers` when `limit` is absent, and the largest one allowed. */
export const DEFAULT_FOLLOWERS_LIMIT = 50;
export const MAX_FOLLOWERS_LIMIT = 200;

/**
 * The follower routes of the admin API (INTERFACE.md §5): followers, their history and scene statistics
 * (the UnionID's identities are admin-identities.ts's). Authentication and the error shape are the app's: mount this behind
 * `requireAdminToken` and inside `apiErrors`, like every /api/* router.
 */
export function followersApiRouter(options: FollowersApiOptions): Router {
  const { followers } = options.store;
  const router = new Router({ prefix: options.prefix ?? '/api' });
  const appidOf = accountResolver(options.appid, options.appids);
  const parseLimit = (ctx: Context) => limitQuery(ctx, DEFAULT_FOLLOWERS_LIMIT, MAX_FOLLOWERS_LIMIT);

  router.get('/followers', async (ctx) => {
    const query: FollowerQuery = { appid: appidOf(ctx), limit: parseLimit(ctx) };
    const subscribed = singleQuery(ctx, 'subscribed');
    if (subscribed !== undefined) {
      if (subscribed !== 'true' && subscribed !== 'false') {
        throw new ApiError(400, 'invalid_query', `subscribed must be true or false (got "${subscribed}")`);
      }
      query.subscribed = subscribed === 'true';
    }
    // The default order stays by OpenID (INTERFACE.md §5); `sort=newest|oldest` orders by follow time.
    const sort = singleQuery(ctx, 'sort');
    if (sort !== undefined && sort !== '') {
      if (!FOLLOWER_SORTS.includes(sort as FollowerSort)) {
        throw new ApiError(
          400,
          'invalid_query',
          `sort must be one of ${FOLLOWER_SORTS.join(', ')} (got "${sort}")`,
        );
      }
      query.sort = sort as FollowerSort;
    }
    const tag = singleQuery(ctx, 'tag');
    if (tag !== undefined && tag !== '') {
      if (!/^\d{1,10}$/.test(tag))
        throw new ApiError(400, 'invalid_query', `tag must be a tag id (got "${tag.slice(0, 20)}")`);
      query.tag = Number(tag);
    }
    const blacklisted = singleQuery(ctx, 'blacklisted');
    if (blacklisted !== undefined && blacklisted !== '') {
      if (blacklisted !== 'true' && blacklisted !== 'false') {
        throw new ApiError(
          400,
          'invalid_query',
          `blacklisted must be true or false (got "${blacklisted.slice(0, 20)}")`,
        );
      }
      query.blacklisted = blacklisted === 'true';
    }
    for (const name of ['scene', 'unionid', 'search', 'cursor'] as const) {
      const value = singleQuery(ctx, name);
      // An empty value (`?scene=`) is what a form sends for "any": no filter.
      if (value !== undefined && value !== '') query[name] = value;
    }
    try {
      const page = await followers.list(query);
      ctx.body = { followers: page.followers.map(followerJson), nextCursor: page.nextCursor };
    } catch (err) {
      if (err instanceof InvalidCursorError) throw new ApiError(400, 'invalid_cursor', err.message);
      throw err;
    }
  });

  router.get('/followers/:openid', async (ctx) => {
    const appid = appidOf(ctx);
    const follower = await followers.get(appid, ctx.params['openid'] ?? '');
    if (!follower) throw notFound('follower_not_found', 'no follower with this OpenID');
    const identities = options.store.identities;
    // Why there is no UnionID, in words (issue 12): not bound, or left; only when it is missing.
    const reason =
      identities && follower.unionid === null
        ? unionidReason(
            { unionid: null, source: 'follower', scope: null, subscribed: follower.subscribed },
            (await identities.appsWithUnionid([appid])).has(appid),
          )
        : null;
    ctx.body = identities ? { ...followerJson(follower), unionidReason: reason } : followerJson(follower);
  });

  router.get('/followers/:openid/events', async (ctx) => {
    const appid = appidOf(ctx);
    const openid = ctx.params['openid'] ?? '';
    const events = await followers.events(appid, openid);
    // An unknown follower is a 404, not an empty history: a typo should not look like a quiet follower.
    if (events.length === 0 && !(await followers.get(appid, openid))) {
      throw notFound('follower_not_found', 'no follower with this OpenID');
    }
    ctx.body = { events: events.map((e) => ({ type: e.type, scene: e.scene, createTime: e.createTime })) };
  });

  router.get('/scenes', async (ctx) => {
    const scenes = await followers.sceneStats(appidOf(ctx));
    ctx.body = {
      scenes: scenes.map((s) => ({
        scene: s.scene,
        scans: s.scans,
        subscribes: s.subscribes,
        unsubscribes: s.unsubscribes,
      })),
    };
  });

  return router;
}

function notFound(code: string, message: string): ApiError {
  return new ApiError(404, code, message);
}
