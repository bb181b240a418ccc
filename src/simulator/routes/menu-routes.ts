import type { Router } from '@koa/router';
import { OK, wxError } from '../api-errors.js';
import { checkMenu, menuGetBody } from '../menu-rules.js';
import type { World } from '../world.js';
import { api, authed, jsonBody } from './api-kit.js';

/** menu/create, menu/get and menu/delete (§6.6). */
export function menuRoutes(router: Router, world: World): void {
  api(router, 'POST', '/cgi-bin/menu/create', (ctx) => {
    const account = authed(ctx, world);
    const body = jsonBody(ctx);
    const problem = checkMenu(body);
    if (problem) throw problem;
    account.menu = body;
    return OK;
  });

  api(router, 'GET', '/cgi-bin/menu/get', (ctx) => {
    const account = authed(ctx, world);
    if (account.menu === null) throw wxError(46003);
    return menuGetBody(account.menu);
  });

  // Removes the default menu and every conditional one (§6.6).
  api(router, 'GET', '/cgi-bin/menu/delete', (ctx) => {
    authed(ctx, world).menu = null;
    return OK;
  });
}
