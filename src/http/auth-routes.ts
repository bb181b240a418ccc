import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from '../logger.js';
import { APP_TOKEN_TTL_MS, signAppToken } from '../identities/app-token.js';
import type { IdentityRepo } from '../identities/identity-repo.js';
import type { OpenApp, OpenAppType } from '../identities/identity.js';
import {
  AppSignIn,
  MAX_CODE_LENGTH,
  SignInError,
  type AppSignedIn,
  type SignInApi,
} from '../identities/sign-in.js';
import { unionidReason } from '../identities/unionid-reason.js';
import { ApiError, apiErrors } from './api-error.js';
import { jsonBody } from './api-query.js';
import { identityOf, type IdentityOptions } from './identity.js';

/** Options of {@link authRouter}. */
export interface AuthRouterOptions {
  /** The config file's `apps`. */
  apps: readonly OpenApp[];
  apiFor(appid: string): SignInApi | undefined;
  identities: IdentityRepo;
  /** Signs the apps' bearer tokens and reads visitor sessions (GET /auth/me). */
  identity: Omit<IdentityOptions, 'appids'>;
  /** Default {@link APP_TOKEN_TTL_MS}. */
  tokenTtlMs?: number;
  logger: Logger;
  /** The sign-in service, when the server shares it (the console's simulator panel); default a new one. */
  signIn?: AppSignIn;
}

const STATUS: Record<SignInError['failure'], number> = {
  invalid_code: 400,
  rate_limited: 429,
  blocked: 403,
  wechat_unavailable: 502,
};

/**
 * Sign-in of the Open Platform's apps (INTERFACE.md §8), JSON in and out, errors as the admin API's:
 *
 * - `POST /auth/miniprogram/:appid {"code"}` and `POST /auth/mobile/:appid {"code"}` →
 *   `{appid, openid, unionid, token, expiresIn, unionidReason}`; an unknown app or one of another type →
 *   404, a missing code → 400, a code WeChat refuses (40029/40163) → 400 `invalid_code`, 45011 → 429,
 *   40226 → 403, WeChat down → 502. Nothing is recorded for a refused sign-in.
 * - `GET /auth/me` with a bearer token or the visitor cookie → `{appid, openid, unionid, source}`, else 401.
 */
export function authRouter(options: AuthRouterOptions): Router {
  const router = new Router({ prefix: '/auth' });
  const clock = options.identity.clock ?? Date.now;
  const ttlMs = options.tokenTtlMs ?? APP_TOKEN_TTL_MS;
  const signIn = new AppSignIn({
    identities: options.identities,
    apiFor: options.apiFor,
    logger: options.logger,
  });
  router.use(apiErrors(options.logger));
  router.use(async (ctx, next) => {
    // Answers carry tokens or who someone is: no cache may keep them.
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  const appOf = (ctx: Context, type: OpenAppType): OpenApp => {
    const appid = (ctx.params as Record<string, string | undefined>)['appid'] ?? '';
    const app = options.apps.find((a) => a.appid === appid && a.type === type);
    if (!app) throw new ApiError(404, 'app_not_found', `no ${type} app with AppID ${appid} is configured`);
    return app;
  };

  const codeOf = (ctx: Context): string => {
    const body = ctx.request.body as unknown;
    const code =
      body !== null && typeof body === 'object' && !Array.isArray(body)
        ? (body as Record<string, unknown>)['code']
        : undefined;
    if (typeof code !== 'string' || code === '')
      throw new ApiError(400, 'invalid_request', 'the body must be JSON {"code": "…"} with a non-empty code');
    if (code.length > MAX_CODE_LENGTH || !/^[\x21-\x7e]+$/.test(code))
      throw new ApiError(400, 'invalid_code', 'this is not a WeChat code: sign in again');
    return code;
  };

  const answer = async (ctx: Context, signedIn: AppSignedIn): Promise<void> => {
    const { app, openid, unionid } = signedIn;
    const token = signAppToken(
      { appid: app.appid, openid, unionid, source: app.type },
      options.identity.appTokenKey(app.appid)!,
      clock() + ttlMs,
    );
    const bound = unionid !== null || (await options.identities.appsWithUnionid([app.appid])).has(app.appid);
    ctx.body = {
      appid: app.appid,
      openid,
      unionid,
      token,
      expiresIn: Math.floor(ttlMs / 1000),
      unionidReason: unionidReason({ unionid, source: app.type, scope: null, subscribed: null }, bound),
    };
  };

  const run = async <T>(ctx: Context, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof SignInError)) throw err;
      // WeChat's per-minute limit (45011): the next minute is the earliest a retry can work.
      if (err.failure === 'rate_limited') ctx.set('Retry-After', '60');
      throw new ApiError(STATUS[err.failure], err.failure, err.message);
    }
  };

  router.post('/miniprogram/:appid', jsonBody, async (ctx) => {
    const app = appOf(ctx, 'miniprogram');
    const code = codeOf(ctx);
    await answer(ctx, await run(ctx, () => signIn.miniProgram(app, code)));
  });

  router.post('/mobile/:appid', jsonBody, async (ctx) => {
    const app = appOf(ctx, 'mobile');
    const code = codeOf(ctx);
    await answer(ctx, await run(ctx, () => signIn.mobile(app, code)));
  });

  router.get('/me', (ctx) => {
    const me = identityOf(ctx, options.identity);
    if (me === null) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new ApiError(401, 'unauthenticated', 'no valid bearer token or session: sign in first');
    }
    ctx.body = { appid: me.appid, openid: me.openid, unionid: me.unionid, source: me.source };
  });

  return router;
}
