import type { Context, Next } from 'koa';
import type { OAuthIdentity } from '../oauth/flow.js';
import { decodeSession, encodeSession } from '../oauth/session-token.js';

/** A visitor signed in through WeChat web authorization (INTERFACE.md §6). */
export type Visitor = OAuthIdentity;

/** The session cookie `/oauth/callback` sets: HttpOnly, SameSite=Lax, signed, stateless. */
export const SESSION_COOKIE = 'wxoa_session';

/** The session token of `visitor`, valid until `expiresAt` (Unix ms): the value of {@link SESSION_COOKIE}. */
export function visitorSessionToken(visitor: Visitor, secret: string, expiresAt: number): string {
  const payload: Record<string, unknown> = {
    appid: visitor.appid,
    openid: visitor.openid,
    unionid: visitor.unionid,
    scope: visitor.scope,
    snapshot: visitor.isSnapshotUser,
  };
  return encodeSession(payload, secret, expiresAt, 'visitor');
}

/**
 * Who the visitor is, from the session cookie: any instance that knows `secret` can tell, nothing is looked
 * up. Null when there is no session, or it is forged, expired or not a visitor session.
 *
 * ```ts
 * router.get('/account', (ctx) => {
 *   const visitor = visitorOf(ctx, sessionSecret);
 *   if (!visitor) return ctx.redirect(`/oauth/authorize?target=${encodeURIComponent(ctx.url)}`);
 *   ctx.body = `Hello ${visitor.openid}`;
 * });
 * ```
 */
export function visitorOf(
  ctx: Pick<Context, 'cookies'>,
  secret: string,
  now: number = Date.now(),
): Visitor | null {
  const token = ctx.cookies.get(SESSION_COOKIE);
  if (!token) return null;
  const session = decodeSession(token, secret, now, 'visitor');
  if (session === null) return null;
  const p = session.payload;
  if (typeof p['appid'] !== 'string' || typeof p['openid'] !== 'string' || typeof p['scope'] !== 'string')
    return null;
  return {
    appid: p['appid'],
    openid: p['openid'],
    unionid: typeof p['unionid'] === 'string' ? p['unionid'] : null,
    scope: p['scope'],
    isSnapshotUser: p['snapshot'] === true,
  };
}

/** Options of {@link visitorSession} and {@link requireVisitor}. */
export interface VisitorSessionOptions {
  /** The secret sessions are signed with (the one given to `oauthRouter`). */
  secret: string;
  /** Unix milliseconds; default Date.now. */
  clock?: () => number;
}

/**
 * Koa middleware setting `ctx.state.visitor` to the signed-in {@link Visitor} or null, for routes mounted
 * after it: `app.use(visitorSession({ secret }))`, then `ctx.state.visitor?.openid` anywhere below.
 */
export function visitorSession(options: VisitorSessionOptions) {
  const clock = options.clock ?? Date.now;
  return async (ctx: Context, next: Next): Promise<void> => {
    ctx.state['visitor'] = visitorOf(ctx, options.secret, clock());
    await next();
  };
}

/**
 * Koa middleware for pages only signed-in visitors may see: sets `ctx.state.visitor`, or, without a
 * session, sends a GET back through `/oauth/authorize` to return to the same URL (other methods get a 401:
 * a form post cannot survive the round trip). `scope` defaults to `snsapi_base`.
 */
export function requireVisitor(
  options: VisitorSessionOptions & { scope?: 'snsapi_base' | 'snsapi_userinfo' },
) {
  const clock = options.clock ?? Date.now;
  return async (ctx: Context, next: Next): Promise<void> => {
    const visitor = visitorOf(ctx, options.secret, clock());
    if (visitor === null) {
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
        ctx.status = 401;
        ctx.body = { error: { code: 'unauthenticated', message: 'sign in through /oauth/authorize first' } };
        return;
      }
      ctx.redirect(loginUrl(ctx.url, options.scope));
      return;
    }
    ctx.state['visitor'] = visitor;
    await next();
  };
}

/** The link that signs a visitor in and brings them back to `target` (a path on this server). */
export function loginUrl(target: string, scope?: 'snsapi_base' | 'snsapi_userinfo'): string {
  const query = `target=${encodeURIComponent(target)}`;
  return `/oauth/authorize?${query}${scope ? `&scope=${scope}` : ''}`;
}
