import type { Router } from '@koa/router';
import type { Context, Next } from 'koa';
import { wxError } from '../api-errors.js';
import { escapeXml } from '../qr-image.js';
import { SimulatorError } from '../simulator-error.js';
import type { World } from '../world.js';
import { api, isRecord, jsonBody, param, readRawBody } from '../routes/api-kit.js';
import {
  ALL_FUNC_INFO,
  componentOf,
  componentsOf,
  createComponent,
  RELEASE_CHECK_APPID,
  type SimComponent,
} from './sim-component.js';
import { runReleaseCheck } from './release-check.js';

/** The permission set each API needs (WeChat's table, kept apart from wxoa's own copy: an independent oracle). */
const NEEDS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^\/cgi-bin\/message\/custom\//, 1],
  [/^\/cgi-bin\/(user|tags)\//, 2],
  [/^\/cgi-bin\/qrcode\//, 3],
  [/^\/cgi-bin\/menu\//, 15],
];

/**
 * 48001 for an authorizer's access token used outside the permission sets it granted (§8). Runs before the
 * API routes; tokens of direct accounts pass untouched.
 */
export function componentPermissionGate(world: World) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const token = typeof ctx.query['access_token'] === 'string' ? ctx.query['access_token'] : undefined;
    if (token !== undefined && componentsOf(world).size > 0) {
      const appid = world.tokens.owner(token);
      if (appid !== undefined) {
        for (const c of componentsOf(world).values()) {
          const granted = c.funcInfoOf(appid);
          const need = NEEDS.find(([re]) => re.test(ctx.path))?.[1];
          if (granted !== undefined && need !== undefined && !granted.includes(need)) {
            throw wxError(48001, `permission set ${need} not granted to ${c.appid}`);
          }
        }
      }
    }
    await next();
    // Tickets every 10 simulated minutes (pushed on the first request after they are due).
    for (const c of componentsOf(world).values()) c.tick();
  };
}

/**
 * The third-party platform's API (`/cgi-bin/component/*`), its authorization page
 * (`/cgi-bin/componentloginpage`) and its control routes:
 *
 *   POST /sim/components {appid?, appsecret?, token?, encodingAesKey?, eventUrl?, messageUrl?} → 201 platform
 *   GET  /sim/components                                   → { components: [platform] }
 *   PATCH /sim/components/:appid {eventUrl?, messageUrl?}  → platform
 *   POST /sim/components/:appid/ticket                     → { status, body, ticket }  (a ticket push now)
 *   POST /sim/components/:appid/authorize {appid, funcInfo?, push?} → { code, status, body }
 *        (a simulated administrator authorizes: the event is pushed unless push is false)
 *   POST /sim/components/:appid/unauthorize {appid}        → { status, body }
 *   POST /sim/components/:appid/stale-refresh-token {appid} → 204 (the server's refresh token goes stale: 61023)
 *   POST /sim/components/:appid/release-check              → { passed, checks: [{name, ok, detail}] }
 */
export function componentRoutes(router: Router, world: World): void {
  const component = (ctx: Context, body: Record<string, unknown>): SimComponent => {
    const appid = body['component_appid'];
    if (typeof appid !== 'string') throw wxError(41002, 'component_appid missing');
    const c = componentsOf(world).get(appid);
    if (!c) throw wxError(61011, `no platform ${appid}`);
    ctx.state['appid'] = appid;
    return c;
  };
  const authed = (ctx: Context): SimComponent => {
    const body = jsonBody(ctx);
    const c = component(ctx, body);
    c.checkToken(param(ctx, 'component_access_token'));
    return c;
  };

  api(router, 'POST', '/cgi-bin/component/api_component_token', (ctx) => {
    const body = jsonBody(ctx);
    return component(ctx, body).componentToken(body['component_appsecret'], body['component_verify_ticket']);
  });
  api(router, 'POST', '/cgi-bin/component/api_create_preauthcode', (ctx) => authed(ctx).preAuthCode());
  api(router, 'POST', '/cgi-bin/component/api_query_auth', (ctx) =>
    authed(ctx).queryAuth(jsonBody(ctx)['authorization_code']),
  );
  api(router, 'POST', '/cgi-bin/component/api_authorizer_token', (ctx) => {
    const c = authed(ctx);
    const body = jsonBody(ctx);
    return c.authorizerToken(body['authorizer_appid'], body['authorizer_refresh_token']);
  });
  api(router, 'POST', '/cgi-bin/component/api_get_authorizer_info', (ctx) =>
    authed(ctx).authorizerInfo(jsonBody(ctx)['authorizer_appid']),
  );
  api(router, 'POST', '/cgi-bin/component/api_get_authorizer_list', (ctx) => {
    const body = jsonBody(ctx);
    return authed(ctx).authorizerList(body['offset'], body['count']);
  });

  // Web authorization on behalf of an authorizer (§8): a code of the authorize page, the platform's token.
  api(router, 'GET', '/sns/oauth2/component/access_token', (ctx) => {
    const c = componentsOf(world).get(param(ctx, 'component_appid') ?? '');
    if (!c) throw wxError(61011);
    c.checkToken(param(ctx, 'component_access_token'));
    const appid = param(ctx, 'appid') ?? '';
    const granted = c.funcInfoOf(appid);
    if (granted === undefined) throw wxError(61007, `${appid} has not authorized ${c.appid}`);
    if (!granted.includes(4)) throw wxError(48001, 'permission set 4 (web page services) not granted');
    if (param(ctx, 'grant_type') !== 'authorization_code') throw wxError(40002);
    const code = param(ctx, 'code');
    if (code === undefined) throw wxError(41008);
    ctx.state['appid'] = appid;
    return world.oauth.exchange(appid, code);
  });

  // The authorization page a platform sends an administrator to (§8): pick an account, tick permission sets.
  router.get('/cgi-bin/componentloginpage', (ctx) => {
    const c = componentsOf(world).get(param(ctx, 'component_appid') ?? '');
    const preAuthCode = param(ctx, 'pre_auth_code');
    const redirect = param(ctx, 'redirect_uri');
    if (!c || !preAuthCode || !redirect) {
      ctx.status = 400;
      ctx.type = 'text/html';
      ctx.body = '<p>Invalid request: component_appid, pre_auth_code and redirect_uri are required.</p>';
      return;
    }
    // Accounts whose pushes go nowhere else first: in the sandbox, the one meant for the platform.
    const accounts = [...world.accounts.values()]
      .filter((a) => a.appid !== RELEASE_CHECK_APPID)
      .sort((a, b) => Number(a.webhookUrl !== undefined) - Number(b.webhookUrl !== undefined));
    ctx.type = 'text/html';
    ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorize ${escapeXml(c.appid)}</title></head>
<body><h1>Authorize a third-party platform</h1><p>Platform ${escapeXml(c.appid)} asks to manage your Official Account.</p>
<form method="post" action="/cgi-bin/componentloginpage/confirm">
<input type="hidden" name="component_appid" value="${escapeXml(c.appid)}">
<input type="hidden" name="pre_auth_code" value="${escapeXml(preAuthCode)}">
<input type="hidden" name="redirect_uri" value="${escapeXml(redirect)}">
<label>Account <select name="appid">${accounts
      .map(
        (a) => `<option value="${escapeXml(a.appid)}">${escapeXml(a.appid)} (${escapeXml(a.ghId)})</option>`,
      )
      .join('')}</select></label>
<fieldset><legend>Permission sets</legend>${ALL_FUNC_INFO.map(
      (id) => `<label><input type="checkbox" name="func_info" value="${id}" checked> ${id}</label>`,
    ).join(' ')}</fieldset>
<button type="submit">Authorize</button></form></body></html>`;
  });

  router.post('/cgi-bin/componentloginpage/confirm', async (ctx) => {
    const form = new URLSearchParams(String(ctx.state['rawBody'] ?? (await readRawBody(ctx.req))));
    const c = componentsOf(world).get(form.get('component_appid') ?? '');
    const redirect = form.get('redirect_uri');
    const appid = form.get('appid') ?? '';
    try {
      if (!c || !redirect) throw new SimulatorError('invalid', 'unknown platform or no redirect_uri');
      c.usePreAuthCode(form.get('pre_auth_code') ?? undefined);
      const funcInfo = form.getAll('func_info').map(Number).filter(Number.isInteger);
      const { code, update } = c.grant(appid, funcInfo);
      // WeChat pushes the event and redirects the administrator; the push does not hold up the redirect.
      void c.pushAuthorized(appid, code, update).catch(() => undefined);
      const url = new URL(redirect);
      url.searchParams.set('auth_code', code);
      url.searchParams.set('expires_in', '3600');
      ctx.redirect(url.toString());
    } catch (e) {
      if (!(e instanceof SimulatorError)) throw e;
      ctx.status = 400;
      ctx.type = 'text/html';
      ctx.body = `<p>${escapeXml(e.message)}</p>`;
    }
  });

  // Control API.
  const body = async (ctx: Context): Promise<Record<string, unknown>> => {
    const raw = await readRawBody(ctx.req);
    if (raw.trim() === '') return {};
    const parsed: unknown = JSON.parse(raw);
    if (!isRecord(parsed)) throw new SimulatorError('invalid', 'body must be a JSON object');
    return parsed;
  };
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

  router.get('/sim/components', (ctx) => {
    ctx.body = { components: [...componentsOf(world).values()].map(view) };
  });
  router.post('/sim/components', async (ctx) => {
    const b = await body(ctx);
    const c = createComponent(world, {
      appid: text(b['appid']),
      appsecret: text(b['appsecret']),
      token: text(b['token']),
      encodingAesKey: text(b['encodingAesKey']),
      eventUrl: text(b['eventUrl']),
      messageUrl: text(b['messageUrl']),
    });
    ctx.status = 201;
    ctx.body = view(c);
  });
  router.patch('/sim/components/:appid', async (ctx) => {
    const c = componentOf(world, ctx.params['appid'] ?? '');
    const b = await body(ctx);
    c.setUrls(
      b['eventUrl'] !== undefined ? text(b['eventUrl']) : c.eventUrl,
      b['messageUrl'] !== undefined ? text(b['messageUrl']) : c.messageUrl,
    );
    if (b['ticketTimer'] === true) c.startTicketTimer();
    ctx.body = view(c);
  });
  router.post('/sim/components/:appid/ticket', async (ctx) => {
    ctx.body = await componentOf(world, ctx.params['appid'] ?? '').pushTicket();
  });
  router.post('/sim/components/:appid/authorize', async (ctx) => {
    const c = componentOf(world, ctx.params['appid'] ?? '');
    const b = await body(ctx);
    const appid = text(b['appid']);
    if (!appid) throw new SimulatorError('invalid', 'appid is required');
    const funcInfo = Array.isArray(b['funcInfo'])
      ? b['funcInfo'].filter((n) => typeof n === 'number')
      : undefined;
    const { code, update } = c.grant(appid, funcInfo);
    const pushed =
      b['push'] === false ? { status: 0, body: '' } : await c.pushAuthorized(appid, code, update);
    ctx.body = { code, ...pushed };
  });
  router.post('/sim/components/:appid/unauthorize', async (ctx) => {
    const c = componentOf(world, ctx.params['appid'] ?? '');
    const appid = text((await body(ctx))['appid']);
    if (!appid) throw new SimulatorError('invalid', 'appid is required');
    ctx.body = await c.unauthorize(appid);
  });
  router.post('/sim/components/:appid/stale-refresh-token', async (ctx) => {
    const c = componentOf(world, ctx.params['appid'] ?? '');
    const appid = text((await body(ctx))['appid']);
    if (!appid) throw new SimulatorError('invalid', 'appid is required');
    c.rotateBehindServer(appid);
    ctx.status = 204;
  });
  router.post('/sim/components/:appid/release-check', async (ctx) => {
    ctx.body = await runReleaseCheck(componentOf(world, ctx.params['appid'] ?? ''));
  });
}

/** A platform as the control API shows it, secrets included: it is a simulator. */
function view(c: SimComponent): Record<string, unknown> {
  return {
    appid: c.appid,
    appsecret: c.appsecret,
    token: c.token,
    encodingAesKey: c.encodingAesKey,
    eventUrl: c.eventUrl ?? null,
    messageUrl: c.messageUrl ?? null,
    authorizers: [...c.authorizations].map(([appid, a]) => ({
      appid,
      authorized: a.authorized,
      funcInfo: a.funcInfo,
    })),
  };
}
