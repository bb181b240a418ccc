import type { Context } from 'koa';

/**
 * Where the console login should bring a signed-out request back to: the page itself for a GET; for a form
 * sent after the session ran out, the page the form was on (its Referer, when it is this server's: the
 * console's referrer policy is same-origin), else the console's home. The login checks `next` again
 * (safeNext in login-routes.ts), so nothing here can send the operator off the console.
 */
export function loginReturnPath(ctx: Context): string {
  if (ctx.method === 'GET' || ctx.method === 'HEAD') return ctx.url;
  const referer = ctx.get('Referer');
  if (!referer) return '/admin';
  try {
    const url = new URL(referer);
    return url.host === ctx.host ? url.pathname + url.search : '/admin';
  } catch {
    return '/admin';
  }
}
