import type { Context, Next } from 'koa';
import { verifyAppToken } from '../identities/app-token.js';
import type { IdentitySource } from '../identities/identity.js';
import { visitorOf } from './visitor.js';

/**
 * Who is signed in, however they signed in (INTERFACE.md §8): a bearer token from a Mini Program or mobile
 * app sign-in, or the visitor session cookie of web authorization or a website's QR sign-in.
 */
export interface SignedIn {
  appid: string;
  openid: string;
  unionid: string | null;
  source: IdentitySource;
}

/** Options of {@link identityOf} and {@link requireIdentity}. */
export interface IdentityOptions {
  /** The secret visitor sessions are signed with (`wxoa.visitorSecret`). */
  visitorSecret: string;
  /** The key of an app's bearer tokens (`wxoa.appTokenKey`), undefined for an AppID not configured. */
  appTokenKey: (appid: string) => string | undefined;
  /** Accept only identities of these AppIDs (a route of one app refuses another app's token). */
  appids?: readonly string[];
  /** Unix milliseconds; default Date.now. */
  clock?: () => number;
}

/**
 * The signed-in person of this request, or null. An `Authorization: Bearer` header is decisive: a forged,
 * expired or other app's token is null even with a session cookie beside it, so a client learns its token
 * is bad. Nothing is looked up: the token and the cookie are signed.
 *
 * ```ts
 * router.get('/api/my-orders', (ctx) => {
 *   const me = identityOf(ctx, { visitorSecret: wxoa.visitorSecret, appTokenKey: wxoa.appTokenKey });
 *   if (!me) return void (ctx.status = 401);
 *   ctx.body = orders.of(me.unionid ?? me.openid);
 * });
 * ```
 */
export function identityOf(ctx: Pick<Context, 'cookies' | 'get'>, options: IdentityOptions): SignedIn | null {
  const now = (options.clock ?? Date.now)();
  const header = ctx.get('authorization');
  let found: SignedIn;
  if (header !== '') {
    const match = /^Bearer[ ]+(\S+)$/i.exec(header);
    const claims = match ? verifyAppToken(match[1]!, options.appTokenKey, now) : null;
    if (claims === null) return null;
    found = { appid: claims.appid, openid: claims.openid, unionid: claims.unionid, source: claims.source };
  } else {
    const visitor = visitorOf(ctx, options.visitorSecret, now);
    if (visitor === null) return null;
    found = {
      appid: visitor.appid,
      openid: visitor.openid,
      unionid: visitor.unionid,
      source: visitor.scope === 'snsapi_login' ? 'website' : 'oauth',
    };
  }
  if (options.appids !== undefined && !options.appids.includes(found.appid)) return null;
  return found;
}

/**
 * Koa middleware for routes of signed-in people only: sets `ctx.state.identity` to the {@link SignedIn}, or
 * answers `401 {"error": {"code": "unauthenticated", …}}` (an API route cannot send a Mini Program through a
 * web sign-in, so there is no redirect; see `requireVisitor` for web pages).
 */
export function requireIdentity(options: IdentityOptions) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const identity = identityOf(ctx, options);
    if (identity === null) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer');
      ctx.body = {
        error: {
          code: 'unauthenticated',
          message: 'sign in first: a bearer token from /auth/miniprogram or /auth/mobile, or a web sign-in',
        },
      };
      return;
    }
    ctx.state['identity'] = identity;
    await next();
  };
}
