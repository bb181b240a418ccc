import type { Router } from '@koa/router';
import type { OpenApp } from '../open-app.js';
import type { Person } from '../person.js';
import { escapeXml } from '../qr-image.js';
import { SimulatorError } from '../simulator-error.js';
import type { OpenAppType } from '../types.js';
import type { World } from '../world.js';
import { queryOf } from './api-kit.js';
import { controlBody, optionalText } from './control-body.js';
import { finish, page, pageError, redirectUri, stateOk } from './authorize-page.js';

/** People offered on the QR page: enough to pick from, few enough to read. */
const PAGE_PEOPLE = 20;

/**
 * The Open Platform's other apps (WECHAT-PROTOCOL.md §9):
 *
 * - `GET /connect/qrconnect` — a website app's QR sign-in page. WeChat shows a QR code that a person scans
 *   with their phone; here the page lists people to "scan as", and `sim_unionid=` (with `sim_action=approve`
 *   or nothing) signs one in at once, `sim_action=refuse` declines. Approval 302s to
 *   `redirect_uri?code=CODE&state=STATE` (the code is /sns/oauth2/access_token's), refusal with the state
 *   only. Page errors answer 400: 10012/10011/10010 missing appid/redirect_uri/scope, 40013 not a website
 *   app, 10003 redirect_uri not http(s), 10005 a scope other than snsapi_login, 10013 a malformed state.
 * - The control API: `GET /sim/apps` → `{apps}`; `POST /sim/apps {type, appid?, appsecret?, name?, bound?}`
 *   → 201 app; `POST /sim/apps/:appid/login {unionid?}` → 201 `{code, openid, unionid}` (a person signing
 *   in: `wx.login()`, the mobile SDK or a scan; a new person without unionid);
 *   `POST /sim/apps/:appid/block {unionid}` → 204 (WeChat's risk control blocks them: 40226).
 */
export function openPlatformRoutes(router: Router, world: World): void {
  router.get('/connect/qrconnect', (ctx) => {
    const q = queryOf(ctx);
    const fail = pageError(ctx, 'Sign-in error');
    if (!q['appid']) return fail(10012, 'appid is missing');
    ctx.state['appid'] = q['appid'];
    const app = world.apps.get(q['appid']);
    if (!app || app.type !== 'website') return fail(40013, 'invalid appid (not a website app)');
    const redirect = redirectUri(q['redirect_uri']);
    if (!(redirect instanceof URL)) return fail(...redirect);
    if (q['response_type'] !== 'code') return fail(40035, 'response_type must be code');
    if (!q['scope']) return fail(10010, 'scope is missing');
    if (q['scope'] !== 'snsapi_login') return fail(10005, `scope ${q['scope']} is not allowed`);
    const state = q['state'] ?? '';
    if (!stateOk(state)) return fail(10013, 'state must be [a-zA-Z0-9], at most 128 bytes');

    const action = q['sim_action'];
    if (action === 'refuse') return finish(ctx, redirect, state, undefined);
    if (q['sim_unionid']) {
      const person = world.persons.get(q['sim_unionid']);
      if (!person) return fail(40003, `no person with unionid ${q['sim_unionid']}`);
      return finish(ctx, redirect, state, app.login(person));
    }
    // Whoever the console said is about to scan comes first, then everyone else.
    const first = app.scanner !== undefined ? world.persons.get(app.scanner) : undefined;
    const people = [...new Set([...(first ? [first] : []), ...world.persons.values()])].slice(0, PAGE_PEOPLE);
    if (people.length === 0) people.push(world.createPerson());
    const link = (params: Record<string, string>): string => {
      const url = new URL(ctx.href);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return escapeXml(url.pathname + url.search);
    };
    ctx.type = 'html';
    ctx.body = page(
      'Sign in with WeChat',
      `<p>${escapeXml(app.name)} (${escapeXml(app.appid)}) shows a QR code. Scan it with WeChat as:</p><ul>` +
        people
          .map(
            (p) =>
              `<li><a class="scan-as" data-unionid="${escapeXml(p.unionid)}" href="${link({ sim_unionid: p.unionid, sim_action: 'approve' })}">${escapeXml(p.nickname)}</a> <code>${escapeXml(p.unionid.slice(0, 12))}…</code></li>`,
          )
          .join('') +
        `</ul><p><a id="refuse" href="${link({ sim_action: 'refuse' })}">Refuse</a></p>`,
    );
  });

  router.get('/sim/apps', (ctx) => {
    ctx.body = { apps: [...world.apps.values()].map(appView) };
  });

  router.post('/sim/apps', async (ctx) => {
    const body = await controlBody(ctx);
    const bound = body['bound'];
    if (bound !== undefined && typeof bound !== 'boolean')
      throw new SimulatorError('invalid', 'bound must be a boolean');
    const app = world.createApp({
      type: optionalText(body, 'type') as OpenAppType,
      appid: optionalText(body, 'appid'),
      appsecret: optionalText(body, 'appsecret'),
      name: optionalText(body, 'name'),
      bound,
    });
    ctx.status = 201;
    ctx.body = appView(app);
  });

  router.post('/sim/apps/:appid/login', async (ctx) => {
    const app = world.app(ctx.params['appid'] ?? '');
    const person = personOf(world, await controlBody(ctx), true);
    const code = app.login(person);
    ctx.status = 201;
    ctx.body = { code, openid: app.openidOf(person), unionid: person.unionid };
  });

  router.post('/sim/apps/:appid/block', async (ctx) => {
    const app = world.app(ctx.params['appid'] ?? '');
    app.block(personOf(world, await controlBody(ctx), false));
    ctx.status = 204;
  });
}

/** An app as the control API shows it, secret included: it is a simulator. */
export function appView(a: OpenApp): Record<string, unknown> {
  return { appid: a.appid, appsecret: a.appsecret, type: a.type, name: a.name, bound: a.bound };
}

function personOf(world: World, body: Record<string, unknown>, create: boolean): Person {
  const unionid = optionalText(body, 'unionid');
  if (unionid === undefined) {
    if (create) return world.createPerson();
    throw new SimulatorError('invalid', 'unionid is required');
  }
  const person = world.persons.get(unionid);
  if (!person) throw new SimulatorError('not_found', `no person with unionid ${unionid}`);
  return person;
}
