import type { Router } from '@koa/router';
import { safeEqual } from '../../wire/signature.js';
import { wxError } from '../api-errors.js';
import type { Account } from '../account.js';
import type { World } from '../world.js';
import { api, jsonBody, param } from './api-kit.js';

/**
 * The account for an appid/secret pair. A wrong secret answers 40001 on /cgi-bin/token (as WeChat does,
 * §7: "wrong AppSecret when fetching") and 40125 "invalid appsecret" on stable_token and /sns.
 */
export function credentials(
  world: World,
  appid: string | undefined,
  secret: string | undefined,
  wrongSecret: 40001 | 40125,
): Account {
  if (appid === undefined) throw wxError(41002);
  const account = world.accounts.get(appid);
  if (!account) throw wxError(40013);
  if (secret === undefined) throw wxError(41004);
  if (!safeEqual(secret, account.appsecret)) throw wxError(wrongSecret);
  return account;
}

/** GET /cgi-bin/token and POST /cgi-bin/stable_token (§6.1). */
export function tokenRoutes(router: Router, world: World): void {
  api(router, 'GET', '/cgi-bin/token', (ctx) => {
    if (param(ctx, 'grant_type') !== 'client_credential') throw wxError(40002);
    const account = credentials(world, param(ctx, 'appid'), param(ctx, 'secret'), 40001);
    return world.tokens.issue(account.appid);
  });

  // POST JSON only (§6.1): a form or query string is not read.
  api(router, 'POST', '/cgi-bin/stable_token', (ctx) => {
    const body = jsonBody(ctx);
    if (body['grant_type'] !== 'client_credential') throw wxError(40002);
    const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
    const account = credentials(world, text(body['appid']), text(body['secret']), 40125);
    const force = body['force_refresh'];
    if (force !== undefined && typeof force !== 'boolean')
      throw wxError(47001, 'force_refresh must be a boolean');
    return world.tokens.stable(account.appid, force === true);
  });
}
