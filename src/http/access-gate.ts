import type { Context, Middleware, Next } from 'koa';
import { safeEqual } from '../wire/signature.js';
import { retryAfterSeconds, type AuthBrake } from './auth-brake.js';
import { loginReturnPath } from './login-next.js';

/**
 * Who may reach what, decided once for the whole app before any router runs (issue 9, defect 1). Routers
 * match paths their own way (@koa/router ignores case; others may decode, merge slashes or drop a trailing
 * one), so the gate does not ask them: it normalises the path itself, as generously as any router could, and
 * protects everything under /api and /metrics (the admin token) and /admin (a console session) except the
 * console's sign-in routes and assets. A route added later under either prefix is protected without anyone
 * remembering to mount a check on it.
 */

/** What a request's path falls under. */
export type PathArea = 'api' | 'console' | 'console-public' | 'open';

/** Prefixes behind the admin token / the console session: the prefix, then the end or any non-word character. */
const API = /^\/api(?![a-z0-9_-])/;
/** Prometheus's scrape path: the same bearer token as the admin API (INTERFACE.md §11). */
const METRICS = /^\/metrics(?![a-z0-9_-])/;
const CONSOLE = /^\/admin(?![a-z0-9_-])/;
/** The console routes that must work signed out: the login form, login links, styles and script. */
const CONSOLE_PUBLIC = [
  /^\/admin\/login$/,
  /^\/admin\/login\/[A-Za-z0-9]+$/,
  /^\/admin\/assets\/[a-z0-9.-]+$/,
];

/**
 * The path as the most lenient router could read it: percent-decoding undone (repeatedly, so `%2561` counts
 * as `a`), backslashes as slashes, Unicode compatibility forms folded and lowercased, runs of slashes merged,
 * `.` and `..` segments resolved, no trailing slash. Null when the percent-encoding is malformed.
 */
export function normalisePath(path: string): string | null {
  let p = path;
  for (let i = 0; i < 4 && p.includes('%'); i++) {
    try {
      p = decodeURIComponent(p);
    } catch {
      return null;
    }
  }
  p = p.replace(/\\/g, '/').normalize('NFKC').toLowerCase();
  const segments: string[] = [];
  for (const segment of p.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/**
 * The area of a raw request path. A console path is public only when its raw form is the plain spelling of
 * a public route (no encoding, no dot segments, no doubled slash): any other spelling of it is treated as
 * private, deny by default.
 */
export function classifyPath(path: string): PathArea | 'malformed' {
  const normal = normalisePath(path);
  if (normal === null) return 'malformed';
  if (API.test(normal) || METRICS.test(normal)) return 'api';
  if (!CONSOLE.test(normal)) return 'open';
  const plain = normal === path.toLowerCase() && CONSOLE_PUBLIC.some((re) => re.test(path));
  return plain ? 'console-public' : 'console';
}

/** Options of {@link accessGate}. */
export interface AccessGateOptions {
  adminToken: string;
  /** True when the request carries a valid, unrevoked console session. */
  consoleSession(ctx: Context): Promise<boolean> | boolean;
  /** Slows down repeated wrong tokens per client (429); none: no brake. */
  brake?: AuthBrake;
}

/**
 * The app-wide gate: mount it first (`app.use`), before every router. /api needs `Authorization: Bearer
 * $ADMIN_TOKEN` (401 JSON otherwise, INTERFACE.md §5); /admin needs a console session (a page is sent to the
 * login form, a poll of /admin/live gets 401 JSON, as the console's own session check does).
 */
export function accessGate(options: AccessGateOptions): Middleware {
  return async (ctx: Context, next: Next) => {
    const area = classifyPath(ctx.path);
    if (area === 'open' || area === 'console-public') return next();
    if (area === 'malformed') {
      ctx.status = 400;
      ctx.body = { error: { code: 'bad_request', message: 'the path has malformed percent-encoding' } };
      return;
    }
    if (area === 'api') {
      const given = bearerToken(ctx);
      const right = given !== '' && safeEqual(given, options.adminToken);
      // No token guesses nothing and is not counted; a token, right or wrong, goes through the brake.
      let wait: number;
      try {
        wait = given === '' ? 0 : await brakeVerdict(options.brake, ctx, right);
      } catch {
        // The failure counters are in the database: without it, fail closed (the API needs it anyway).
        ctx.status = 503;
        ctx.body = { error: { code: 'unavailable', message: 'the database is not reachable; try again' } };
        return;
      }
      if (wait > 0) {
        ctx.status = 429;
        ctx.set('Retry-After', retryAfterSeconds(wait));
        ctx.body = {
          error: {
            code: 'too_many_attempts',
            message: 'too many wrong tokens from this client; try again later',
          },
        };
        return;
      }
      if (!right) {
        ctx.status = 401;
        ctx.set('WWW-Authenticate', 'Bearer');
        ctx.body = { error: { code: 'unauthorized', message: 'a valid admin token is required' } };
        return;
      }
      return next();
    }
    let signedIn: boolean;
    try {
      signedIn = await options.consoleSession(ctx);
    } catch {
      // Logouts are recorded in the database: without it a session cannot be trusted, so fail closed.
      ctx.status = 503;
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = 'The console cannot reach its database. Try again in a moment.';
      return;
    }
    if (!signedIn) return refuseConsole(ctx);
    return next();
  };
}

async function brakeVerdict(brake: AuthBrake | undefined, ctx: Context, right: boolean): Promise<number> {
  if (!brake) return 0;
  return right ? brake.succeeded(ctx) : brake.failed(ctx);
}

/** The token of `Authorization: Bearer …`, or ''. */
export function bearerToken(ctx: Context): string {
  const header = ctx.get('authorization');
  return /^bearer /i.test(header) ? header.slice(7).trim() : '';
}

function refuseConsole(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  if (normalisePath(ctx.path)?.startsWith('/admin/live/')) {
    ctx.status = 401;
    ctx.body = { error: { code: 'unauthenticated', message: 'log in again' } };
    return;
  }
  ctx.status = 303;
  ctx.redirect(`/admin/login?next=${encodeURIComponent(loginReturnPath(ctx))}`);
}
