import { setTimeout as sleep } from 'node:timers/promises';
import { Router } from '@koa/router';
import Koa, { type Context } from 'koa';
import { errorBody, WxApiError } from './api-errors.js';
import { authorizeRoutes } from './routes/authorize-page.js';
import { componentPermissionGate, componentRoutes } from './component/component-routes.js';
import { isRecord, queryOf, readRawBody } from './routes/api-kit.js';
import { controlErrors, controlRoutes } from './routes/control-routes.js';
import { menuRoutes } from './routes/menu-routes.js';
import { messageRoutes } from './routes/message-routes.js';
import { openPlatformRoutes } from './routes/open-platform-routes.js';
import { qrcodeRoutes } from './routes/qrcode-routes.js';
import { snsRoutes } from './routes/sns-routes.js';
import { tokenRoutes } from './routes/token-routes.js';
import { userRoutes } from './routes/user-routes.js';
import { tagRoutes } from './routes/tag-routes.js';
import type { MisbehaveRule } from './types.js';
import type { World } from './world.js';

/** Paths that are WeChat's (recorded, subject to misbehaviour); `/sim/*` is the simulator's own. */
const WECHAT_PATH = /^\/(cgi-bin|sns|connect)\//;

/** The simulator's Koa app: WeChat's API and authorize page, and the `/sim` control API. */
export function createSimulatorApp(world: World): Koa {
  const app = new Koa();
  app.silent = true;
  app.on('error', (err: unknown) => world.logger.error({ err }, 'simulator request failed'));
  // Nearly every API call changes what WeChat keeps (tokens, menus, tags, sent messages, OAuth codes), so
  // any request but a read of the control API counts as a change for the state file.
  app.use(async (ctx, next) => {
    try {
      await next();
    } finally {
      if (!(ctx.method === 'GET' && (ctx.path === '/sim' || ctx.path.startsWith('/sim/')))) world.changed();
    }
  });
  app.use(async (ctx, next) => (WECHAT_PATH.test(ctx.path) ? wechatCall(world, ctx, next) : next()));
  app.use(async (ctx, next) =>
    ctx.path === '/sim' || ctx.path.startsWith('/sim/') ? controlErrors(ctx, next) : next(),
  );

  app.use(componentPermissionGate(world));
  const router = new Router();
  tokenRoutes(router, world);
  userRoutes(router, world);
  tagRoutes(router, world);
  qrcodeRoutes(router, world);
  menuRoutes(router, world);
  messageRoutes(router, world);
  snsRoutes(router, world);
  authorizeRoutes(router, world);
  openPlatformRoutes(router, world);
  controlRoutes(router, world);
  componentRoutes(router, world);
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/**
 * Around every WeChat call: read the body, apply an injected fault, render `WxApiError`s as WeChat's
 * HTTP-200 JSON errors (§6), answer unknown API paths with 40066, and record the call.
 */
async function wechatCall(world: World, ctx: Context, next: () => Promise<unknown>): Promise<void> {
  const time = world.clock.now();
  const raw = ctx.method === 'POST' ? await readRawBody(ctx.req) : '';
  ctx.state['rawBody'] = raw;
  const parsed = parseJsonOrNull(raw);
  const query = queryOf(ctx);
  const rule = world.misbehaviour.take(ctx.path);
  try {
    if (rule?.kind === 'slow') {
      await sleep(rule.ms);
      // The caller died meanwhile (kill -9): the request is dropped, as one lost before reaching WeChat.
      if (rule.dropIfGone && ctx.req.socket.destroyed) return;
    }
    if (rule && rule.kind !== 'slow' && rule.kind !== 'other_unionid') {
      fault(ctx, rule);
    } else {
      await next();
      if (ctx.status === 404 && ctx.body == null) throw new WxApiError(40066, `${ctx.path} is not simulated`);
      if (rule?.kind === 'other_unionid') reportOtherUnionid(ctx.body, rule.openid, rule.unionid);
    }
  } catch (e) {
    if (!(e instanceof WxApiError)) {
      world.logger.error({ err: e, path: ctx.path }, 'simulator handler failed');
      fault(ctx, { kind: 'http_500' });
    } else {
      ctx.status = 200;
      ctx.body = errorBody(e.errcode, e.detail);
    }
  }
  const appid = ctx.state['appid'] ?? callAppid(world, query, parsed);
  world.calls.push({
    method: ctx.method,
    path: ctx.path,
    query,
    body: parsed,
    ...(typeof appid === 'string' ? { appid } : {}),
    time,
    errcode: errcodeOf(ctx),
    status: ctx.status,
  });
}

/** The recorded body: parsed JSON, or null when there is none or it is not JSON. */
function parseJsonOrNull(raw: string): unknown {
  if (raw.trim() === '') return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}

/** Rewrites, in an answer, the unionid of every object naming `openid` (the 'other_unionid' misbehaviour). */
function reportOtherUnionid(body: unknown, openid: string, unionid: string): void {
  if (Array.isArray(body)) {
    for (const item of body) reportOtherUnionid(item, openid, unionid);
  } else if (isRecord(body)) {
    if (body['openid'] === openid && 'unionid' in body) body['unionid'] = unionid;
    for (const value of Object.values(body)) reportOtherUnionid(value, openid, unionid);
  }
}

function fault(ctx: Context, rule: Exclude<MisbehaveRule, { kind: 'slow' | 'other_unionid' }>): void {
  switch (rule.kind) {
    case 'system_error':
      ctx.status = 200;
      ctx.body = errorBody(-1);
      return;
    case 'invalid_credential':
      ctx.status = 200;
      ctx.body = errorBody(40001);
      return;
    case 'http_500':
      ctx.status = 500;
      ctx.type = 'text/html';
      ctx.body = '<html><body><h1>500 Internal Server Error</h1></body></html>';
      return;
  }
}

/** The account a call concerned when its handler did not say (e.g. a call that misbehaved). */
function callAppid(world: World, query: Record<string, string>, body: unknown): string | undefined {
  const token = query['access_token'];
  const owner = token !== undefined ? world.tokens.owner(token) : undefined;
  if (owner !== undefined) return owner;
  if (query['appid'] !== undefined) return query['appid'];
  return isRecord(body) && typeof body['appid'] === 'string' ? body['appid'] : undefined;
}

function errcodeOf(ctx: Context): number {
  if (ctx.status >= 500) return -1;
  if (typeof ctx.state['errcode'] === 'number') return ctx.state['errcode'];
  const body: unknown = ctx.body;
  return isRecord(body) && typeof body['errcode'] === 'number' ? body['errcode'] : 0;
}
