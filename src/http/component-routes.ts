import { parse as parseQueryString } from 'node:querystring';
import Router from '@koa/router';
import type { Context } from 'koa';
import { signedQuery } from '../bot/receive.js';
import { AuthorizationCodeError, type ComponentPlatform } from '../component/platform.js';
import { permissionSetName } from '../component/permissions.js';
import { RELEASE_CHECK_APPID as RELEASE_CHECK } from '../component/release-check.js';
import type { Logger } from '../logger.js';
import { safeEqual } from '../wire/signature.js';
import { ApiError, apiErrors } from './api-error.js';
import { refusalHint, webhookErrorResponse } from './errors.js';
import { readBody, type WechatWebhookMiddleware } from './webhook-middleware.js';

/** A ticket or authorization event is a few hundred bytes; the webhook's 1 MiB is for messages. */
const MAX_EVENT_BODY_BYTES = 64 * 1024;

/** Options of {@link componentRouter}. */
export interface ComponentRouterOptions {
  platform: ComponentPlatform;
  /** The webhook of the authorized accounts' pushes (a `wechatWebhook` resolving them by AppID). */
  webhook: WechatWebhookMiddleware;
  adminToken: string;
  /** Whether the request carries a live console session. */
  consoleSession: (ctx: Context) => Promise<boolean>;
  publicUrl: string;
  mpBase: string;
  timestampToleranceSeconds: number;
  logger: Logger;
  /** The web-authorization routes of one authorizer, under `/component/oauth/:appid` (an oauthRouter). */
  oauthRouterFor: (appid: string) => Router;
}

const TEXT = 'text/plain; charset=utf-8';

/**
 * The third-party platform's routes (INTERFACE.md §9): the authorization event URL, the message URL of the
 * authorized accounts, the authorization start and callback, and `GET /api/component` / `/api/authorizers`
 * (mounted under the admin API's auth by the server).
 */
export function componentRouter(opts: ComponentRouterOptions): Router {
  const { platform, logger } = opts;
  const router = new Router();

  router.post('/wechat/component/events', async (ctx) => {
    let bodyRead = false;
    try {
      const query = signedQuery(parseQueryString(ctx.querystring));
      // The URL is public: what the query alone can refuse is refused before the body is read.
      platform.checkEventQuery(query, opts.timestampToleranceSeconds);
      const body = await readBody(ctx.req, MAX_EVENT_BODY_BYTES);
      bodyRead = true;
      const info = await platform.receiveEvent(query, body, opts.timestampToleranceSeconds);
      await platform.handleInfo(info);
      ctx.set('Content-Type', TEXT);
      ctx.body = 'success';
    } catch (err) {
      const response = webhookErrorResponse(err);
      if (response.serverError) logger.error({ err }, 'component event push failed');
      else {
        const hint = refusalHint(err, undefined)?.replace('WECHAT_TOKEN', 'WECHAT_COMPONENT_TOKEN');
        logger.warn({ reason: (err as Error).message, ...(hint ? { hint } : {}) }, 'component event refused');
      }
      // The rest of a refused body is not worth reading: close after the answer.
      if (!bodyRead) ctx.set('Connection', 'close');
      ctx.status = response.status;
      ctx.set('Content-Type', TEXT);
      ctx.body = response.body;
    }
  });

  // Pushes of the accounts that authorized the platform: always encrypted with the platform's key.
  router.all('/wechat/component/:appid', async (ctx, next) => {
    const appid = ctx.params['appid'] ?? '';
    if (appid === 'events') return next();
    if (ctx.method === 'POST' && ctx.query['encrypt_type'] !== 'aes') {
      ctx.status = 401;
      ctx.set('Content-Type', TEXT);
      ctx.body = 'invalid signature';
      return;
    }
    // Another instance may have stored the authorization: the database decides, the cache follows.
    if (platform.cached(appid) === undefined && appid !== RELEASE_CHECK) {
      const known = await platform.ensure(appid);
      if (known === null) {
        ctx.status = 404;
        ctx.set('Content-Type', TEXT);
        ctx.body = 'not found';
        return;
      }
    }
    await opts.webhook(ctx, next);
  });

  // Web authorization on behalf of an authorizer: /component/oauth/:appid/authorize and …/callback, the
  // flow of §6 with component_appid on the authorize URL and the component code exchange.
  const oauthRouters = new Map<string, Router>();
  router.get('/component/oauth/:appid/:step', async (ctx, next) => {
    const appid = ctx.params['appid'] ?? '';
    const known = platform.cached(appid) ?? (await platform.ensure(appid));
    if (!known?.authorized) {
      ctx.status = 404;
      ctx.set('Content-Type', TEXT);
      ctx.body = 'not found';
      return;
    }
    let r = oauthRouters.get(appid);
    if (!r) oauthRouters.set(appid, (r = opts.oauthRouterFor(appid)));
    await r.routes()(ctx, next);
  });

  const pages = apiErrors(logger);
  router.get('/component/authorize', pages, async (ctx) => {
    await requireOperator(ctx, opts);
    const authType = ctx.query['authType'] ?? '1';
    if (authType !== '1' && authType !== '2' && authType !== '3') {
      throw new ApiError(400, 'invalid_query', 'authType must be 1, 2 or 3');
    }
    const { code } = await platform.api.preAuthCode();
    const url = new URL('/cgi-bin/componentloginpage', opts.mpBase);
    url.searchParams.set('component_appid', platform.appid);
    url.searchParams.set('pre_auth_code', code);
    url.searchParams.set('redirect_uri', `${opts.publicUrl}/component/callback`);
    url.searchParams.set('auth_type', authType);
    ctx.redirect(url.toString());
  });

  router.get('/component/callback', pages, async (ctx) => {
    const code = ctx.query['auth_code'];
    if (typeof code !== 'string' || code === '') {
      throw new ApiError(400, 'invalid_code', 'auth_code is missing: the authorization was not completed');
    }
    try {
      const authorizer = await platform.authorize(code);
      ctx.redirect(`/admin/component?connected=${encodeURIComponent(authorizer.appid)}`);
    } catch (err) {
      if (err instanceof AuthorizationCodeError) {
        // The push may have exchanged the code first: that is a success for the administrator.
        throw new ApiError(400, 'invalid_code', `${err.message}; start the authorization again`);
      }
      throw err;
    }
  });

  return router;
}

/** `GET /api/component` and `GET /api/authorizers`: mounted in the admin API, behind its token. */
export function componentApiRouter(platform: ComponentPlatform): Router {
  const router = new Router();
  router.get('/component', async (ctx) => {
    const ticket = await platform.ticket();
    const expiresAt = await platform.api.tokenExpiresAt();
    ctx.body = {
      appid: platform.appid,
      ticketReceivedAt: ticket === null ? null : new Date(ticket.receivedAt).toISOString(),
      tokenExpiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
    };
  });

  router.get('/authorizers', async (ctx) => {
    const list = await platform.authorizers();
    ctx.body = {
      authorizers: list.map((a) => ({
        appid: a.appid,
        name: a.name,
        userName: a.userName,
        authorized: a.authorized,
        funcInfo: a.funcInfo,
        permissionSets: a.funcInfo.map(permissionSetName),
        authorizedAt: new Date(a.authorizedAt).toISOString(),
        hasRefreshToken: a.hasRefreshToken,
      })),
    };
  });
  return router;
}

/** The admin token (Bearer) or a console session; else 401. */
async function requireOperator(ctx: Context, opts: ComponentRouterOptions): Promise<void> {
  const header = ctx.get('authorization');
  const bearer = header.startsWith('Bearer ') ? header.slice(7) : '';
  if (bearer !== '' && safeEqual(bearer, opts.adminToken)) return;
  if (await opts.consoleSession(ctx)) return;
  throw new ApiError(401, 'unauthorized', 'sign in to the console (or send the admin token) first');
}
