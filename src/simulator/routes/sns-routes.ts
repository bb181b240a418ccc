import type { Router } from '@koa/router';
import { safeEqual } from '../../wire/signature.js';
import { OK, wxError } from '../api-errors.js';
import type { OpenApp } from '../open-app.js';
import type { OpenAppType } from '../types.js';
import type { World } from '../world.js';
import { api, param } from './api-kit.js';
import { credentials } from './token-routes.js';

/** The web-authorization APIs (§6.8): code exchange, refresh, userinfo, auth. */
export function snsRoutes(router: Router, world: World): void {
  api(router, 'GET', '/sns/oauth2/access_token', (ctx) => {
    // A website or mobile app of the Open Platform exchanges its codes here too (§9).
    const app = appCredentials(world, param(ctx, 'appid'), param(ctx, 'secret'), ['website', 'mobile']);
    const appid = app?.appid ?? credentials(world, param(ctx, 'appid'), param(ctx, 'secret'), 40125).appid;
    if (param(ctx, 'grant_type') !== 'authorization_code') throw wxError(40002);
    const code = param(ctx, 'code');
    if (code === undefined) throw wxError(41008);
    const subject = world.oauth.peek(appid, code);
    const grant = world.oauth.exchange(appid, code);
    if (app && subject && app.isBlocked(subject.unionid)) throw wxError(40226);
    return grant;
  });

  api(router, 'GET', '/sns/oauth2/refresh_token', (ctx) => {
    const appid = param(ctx, 'appid');
    if (appid === undefined) throw wxError(41002);
    if (!world.accounts.has(appid) && !world.apps.has(appid)) throw wxError(40013);
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
    // A snsapi_base token identifies the user but grants no profile (§6.8); snsapi_login does (§9).
    if (subject.scope === 'snsapi_base') throw wxError(48001, 'scope snsapi_base');
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
      ...(subject.unbound ? {} : { unionid: subject.unionid }),
    };
  });

  // A Mini Program's wx.login() code (§9): openid, session_key and, for a bound app, unionid.
  api(router, 'GET', '/sns/jscode2session', (ctx) => {
    const app = appCredentials(world, param(ctx, 'appid'), param(ctx, 'secret'), ['miniprogram']);
    if (!app) throw wxError(40013);
    if (param(ctx, 'grant_type') !== 'authorization_code') throw wxError(40002);
    const code = param(ctx, 'js_code');
    if (code === undefined) throw wxError(41008);
    return app.exchangeJsCode(code);
  });

  api(router, 'GET', '/sns/auth', (ctx) => {
    const subject = world.oauth.check(param(ctx, 'access_token'), param(ctx, 'openid'));
    ctx.state['appid'] = subject.appid;
    return OK;
  });
}

/**
 * The Open Platform app of `appid` when it is one of `types` (40125 for a wrong secret), undefined when the
 * AppID is not an app's (an Official Account's, or unknown: the caller decides). An app of another type
 * answers 40013, as WeChat does for a Mini Program's AppID on the web endpoints.
 */
function appCredentials(
  world: World,
  appid: string | undefined,
  secret: string | undefined,
  types: readonly OpenAppType[],
): OpenApp | undefined {
  if (appid === undefined) return undefined;
  const app = world.apps.get(appid);
  if (!app) return undefined;
  if (!types.includes(app.type)) throw wxError(40013);
  if (secret === undefined) throw wxError(41004);
  if (!safeEqual(secret, app.appsecret)) throw wxError(40125);
  return app;
}
