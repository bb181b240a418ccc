import { Router } from '@koa/router';
import type { IdentityRepo } from '../identities/identity-repo.js';
import { identityJson, type Identity } from '../identities/identity.js';
import { unionidReason } from '../identities/unionid-reason.js';
import { ApiError } from './api-error.js';
import { limitQuery, singleQuery } from './api-query.js';

/** Options of {@link identitiesApiRouter}. */
export interface IdentitiesApiOptions {
  identities: IdentityRepo;
  /** The Official Accounts (their followers and web sign-ins are found by OpenID). */
  appids: readonly string[];
  /** Where the routes live; default `/api`. */
  prefix?: string;
}

/** Largest page of `GET /api/people`. */
export const MAX_PEOPLE_LIMIT = 200;

/**
 * The person across the Open Platform (INTERFACE.md §8), behind the admin token like every /api router:
 *
 * - `GET /api/unions/:unionid` → `{unionid, identities: [{appid, appType, openid, source, firstSeen,
 *   lastSeen}]}`, one entry per (appid, openid, source), or 404.
 * - `GET /api/people?q=OPENID_OR_UNIONID&limit=` → `{people: [{unionid, identities: [identity + unionid,
 *   unionidReason]}]}`: whoever has that OpenID or UnionID, with everyone linked to them (the console's
 *   People search); an identity without a UnionID is a person of its own.
 */
export function identitiesApiRouter(options: IdentitiesApiOptions): Router {
  const { identities } = options;
  const router = new Router({ prefix: options.prefix ?? '/api' });

  router.get('/unions/:unionid', async (ctx) => {
    const unionid = ctx.params['unionid'] ?? '';
    const found = await identities.union(unionid);
    if (found.length === 0) throw new ApiError(404, 'union_not_found', 'no identity with this UnionID');
    ctx.body = { unionid, identities: found.map(identityJson) };
  });

  router.get('/people', async (ctx) => {
    const q = (singleQuery(ctx, 'q') ?? '').trim();
    if (q === '') throw new ApiError(400, 'invalid_query', 'q (an OpenID or UnionID) is required');
    const found = await identities.search(q, limitQuery(ctx, 50, MAX_PEOPLE_LIMIT), options.appids);
    ctx.body = { people: await people(identities, found) };
  });

  return router;
}

/** Identities grouped into people by UnionID, each with the reason it has none (for the API and console). */
export async function people(
  identities: IdentityRepo,
  found: readonly Identity[],
): Promise<Array<{ unionid: string | null; identities: Array<ReturnType<typeof withReason>> }>> {
  const bound = await identities.appsWithUnionid(found.filter((i) => i.unionid === null).map((i) => i.appid));
  const groups = new Map<string, Identity[]>();
  for (const i of found) {
    const key = i.unionid ?? `\u0000${i.appid}\u0000${i.openid}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  return [...groups.values()].map((group) => ({
    unionid: group[0]!.unionid,
    identities: group.map((i) => withReason(i, bound.has(i.appid))),
  }));
}

function withReason(i: Identity, appBound: boolean) {
  return { ...identityJson(i), unionid: i.unionid, unionidReason: unionidReason(i, appBound) };
}
