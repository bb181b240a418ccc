import type { Router } from '@koa/router';
import { OK, wxError } from '../api-errors.js';
import type { World } from '../world.js';
import { api, param } from './api-kit.js';
import { credentials } from './token-routes.js';

/** The web-authorization APIs (§6.8): code exchange, refresh, userinfo, auth. */
export function snsRoutes(router: Router, world: World): void {
  api(router, 'GET', '/sns/oauth2/access_token', (ctx) => {
    const account = credentials(world, param(ctx, 'appid'), param(ctx, 'secret'), 40125);
    if (param(ctx, 'grant_type') !== 'authorization_code') throw wxError(40002);
    const code = param(ctx, 'code');
    if (code === undefined) throw wxError(41008);
    return world.oauth.exchange(account.appid, code);
  });

  api(router, 'GET', '/sns/oauth2/refresh_token', (ctx) => {
    const appid = param(ctx, 'appid');
    if (appid === undefined) throw wxError(41002);
    if (!world.accounts.has(appid)) throw wxError(40013);
    if (param(ctx, 'grant_type') !== 'refresh_token') throw wxError(40002);
    const refreshToken = param(ctx, 'refresh_token');
    if (refreshToken === undefined) throw wxError(41003);
    return world.oauth.refresh(appid, refreshToken);
  });

  api(router, 'GET', '/sns/userinfo', (ctx) => {
    const openid = param(ctx, 'openid');
    if (openid === undefined) throw wxError(41009);
    const subject = world.oauth.check(param(ctx, 'access_token'), openid);
    ctx.state['appid'] = subject.appid;
    // A snsapi_base token identifies the user but grants no profile (§6.8).
    if (subject.scope !== 'snsapi_userinfo') throw wxError(48001, 'scope snsapi_base');
    const person = world.persons.get(subject.unionid);
    return {
      openid: subject.openid,
      nickname: person?.nickname ?? '',
      // Gender and region are withdrawn since 2021 (§6.8): always 0 / empty here.
      sex: 0,
      province: '',
      city: '',
      country: '',
      headimgurl: person?.headimgurl ?? '',
      privilege: [],
      unionid: subject.unionid,
    };
  });

  api(router, 'GET', '/sns/auth', (ctx) => {
    const subject = world.oauth.check(param(ctx, 'access_token'), param(ctx, 'openid'));
    ctx.state['appid'] = subject.appid;
    return OK;
  });
}
