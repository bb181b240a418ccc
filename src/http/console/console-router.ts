import { Router } from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { koaBody } from 'koa-body';
import { CLIENT_GONE, clientGone } from '../errors.js';
import { campaignsRoutes } from './campaigns-routes.js';
import type { ConsoleDeps } from './console-deps.js';
import { CONSOLE_CSS } from './console-css.js';
import { CONSOLE_SCRIPT } from './console-script.js';
import {
  readLiveSession,
  readSession,
  renewSession,
  validCsrf,
  type ConsoleSession,
} from './console-session.js';
import { conversationsRoutes } from './conversations-routes.js';
import { followersRoutes } from './followers-routes.js';
import { peopleRoutes } from './people-routes.js';
import { tagsRoutes } from './tags-routes.js';
import { html } from './html.js';
import { barePage } from './layout.js';
import { loginRoutes, logoutRoute } from './login-routes.js';
import { menuRoutes } from './menu-routes.js';
import { componentConsoleRoutes } from './component-page.js';
import { notFoundPage } from './not-found.js';
import { sendPage, viewOf } from './console-deps.js';
import type { ViewContext } from './view-context.js';
import { loginReturnPath } from '../login-next.js';

/**
 * Script, styles and images only from this origin; no inline script or style at all, so even markup that
 * slipped past escaping could not run. Forms post only here; no page may frame the console.
 */
const CSP = consoleCsp();

/**
 * The console's policy; `formTargets` are further origins a form may lead to (browsers check form-action on
 * every redirect after a post: the simulator's menu links pass through the authorize page).
 */
export function consoleCsp(formTargets: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    ["form-action 'self'", ...formTargets].join(' '),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** WeChat green, as a tab icon (otherwise browsers ask for /favicon.ico, which nothing serves). */
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#07c160"/></svg>';

/** Form bodies of the console: urlencoded only, small. */
const parseForm = koaBody({
  urlencoded: true,
  json: false,
  text: false,
  multipart: false,
  formLimit: '64kb',
});

/**
 * The console as one Koa middleware for `/admin` and below: security headers, the public routes (assets,
 * login), then the private ones behind the session, CSRF and account checks, then the 404 page. Other
 * paths pass straight through, so it can sit anywhere in the app.
 */
export function consoleMiddleware(deps: ConsoleDeps): Middleware {
  const open = new Router();
  assetRoutes(open);
  loginRoutes(open, deps);

  const closed = new Router();
  closed.use(requireSession(deps));
  closed.get('/admin', (ctx) => {
    const connectFirst = deps.wxoa.component && servedAppids(deps).length === 0;
    ctx.redirect(
      deps.simulator ? '/admin/simulator' : connectFirst ? '/admin/component' : '/admin/conversations',
    );
  });
  logoutRoute(closed, deps);
  // Before followersRoutes: /admin/followers/tag-all is not an OpenID.
  tagsRoutes(closed, deps);
  followersRoutes(closed, deps);
  peopleRoutes(closed, deps);
  conversationsRoutes(closed, deps);
  campaignsRoutes(closed, deps);
  menuRoutes(closed, deps);
  componentConsoleRoutes(closed, deps);
  if (deps.simulatorRoutes) deps.simulatorRoutes(closed, deps);
  else {
    closed.all('/admin/simulator{/*rest}', (ctx) =>
      notFoundPage(ctx, viewOf(ctx), 'The simulator runs in sandbox mode only (no WECHAT_APPID set).'),
    );
  }

  // Typed as plain Koa middleware: the routers add `params` to the context themselves.
  const openRoutes = open.routes() as unknown as Middleware;
  const closedRoutes = closed.routes() as unknown as Middleware;
  const publicOrigin = new URL(deps.wxoa.config.publicUrl).origin;

  const middleware: Middleware = async (ctx: Context, next: Next) => {
    if (ctx.path !== '/admin' && !ctx.path.startsWith('/admin/')) return next();
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    // Login links carry a token in the URL: never send a console URL to another site. (Not `no-referrer`:
    // with it browsers send `Origin: null` on the console's own form posts, and the Origin check needs it.)
    ctx.set('Referrer-Policy', 'same-origin');
    try {
      if (!safeMethod(ctx) && crossSite(ctx, publicOrigin)) {
        return sendPage(ctx, barePage('Refused', html`<p>This form was sent from another site.</p>`), 403);
      }
      if (!safeMethod(ctx)) await parseForm(ctx, async () => {});
      await openRoutes(ctx, () => closedRoutes(ctx, async () => fallback(ctx, deps)));
    } catch (err) {
      if (clientGone(ctx)) {
        // Hung up mid-form: no one to answer, nothing of ours failed.
        deps.log.debug({ method: ctx.method, path: ctx.path, reason: (err as Error).message }, CLIENT_GONE);
        return;
      }
      const status = (err as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        // koa-body's refusals (too large, malformed): the client's mistake, said plainly.
        return sendPage(ctx, barePage('Bad request', html`<p>${(err as Error).message}</p>`), status);
      }
      deps.log.error({ err, path: ctx.path, method: ctx.method }, 'console request failed');
      sendPage(
        ctx,
        barePage(
          'Something went wrong',
          html`<p>The console hit an error; it has been logged. <a href="/admin">Back to the console</a></p>`,
        ),
        500,
      );
    }
  };
  // The private routes, for whoever lists what the app serves (the path-spelling test of the access gate).
  return Object.assign(middleware, { router: closed });
}

/**
 * Private routes need a session (a GET is sent to the login form and brought back; a poll gets a 401 the
 * script turns into a reload), a configured `?appid=`, and on every POST the session's CSRF token.
 */
function requireSession(deps: ConsoleDeps): Middleware {
  return async (ctx, next) => {
    // Read per request: a third-party platform's authorizers join the list while the server runs.
    const accounts = servedAppids(deps);
    const primaryAppid = accounts[0] ?? '';
    const now = deps.clock();
    let session: ConsoleSession | null = await readLiveSession(
      ctx,
      deps.cookies.secret,
      deps.wxoa.store.consoleSessions,
      now,
    );
    if (!session) {
      if (ctx.path.startsWith('/admin/live/')) {
        ctx.status = 401;
        ctx.body = { error: { code: 'unauthenticated', message: 'log in again' } };
        return;
      }
      // A form sent after the session ran out comes back to the page it was on (login-next.ts).
      ctx.status = 303;
      ctx.redirect(`/admin/login?next=${encodeURIComponent(loginReturnPath(ctx))}`);
      return;
    }
    session = renewSession(ctx, session, deps.cookies, now);
    const requested = typeof ctx.query['appid'] === 'string' ? ctx.query['appid'] : primaryAppid;
    const view: ViewContext = {
      session,
      sandbox: deps.simulator !== null,
      appid: accounts.includes(requested) ? requested : primaryAppid,
      primaryAppid,
      accounts,
      now,
      apiFailure: await deps.wxoa.store.apiStatus.lastFailure(
        accounts.includes(requested) ? requested : primaryAppid,
      ),
      component: Boolean(deps.wxoa.component),
    };
    // A platform no account has authorized yet serves no account: its pages still open (to connect one).
    if (!accounts.includes(requested) && !(accounts.length === 0 && requested === ''))
      return notFoundPage(ctx, view, 'No account with this AppID is configured.');
    if (
      !safeMethod(ctx) &&
      !validCsrf(
        session,
        (ctx.request.body as Record<string, unknown> | undefined)?.['_csrf'],
        deps.cookies.secret,
      )
    ) {
      deps.log.warn({ path: ctx.path }, 'console form without a valid CSRF token');
      return sendPage(
        ctx,
        barePage(
          'Refused',
          html`<p>
            This form has expired or did not come from the console (missing or wrong CSRF token). Go back,
            reload the page and try again.
          </p>`,
        ),
        403,
      );
    }
    ctx.state['consoleView'] = view;
    await next();
  };
}

/** The AppIDs the console may show: the configured accounts, then a platform's authorizers. */
function servedAppids(deps: ConsoleDeps): string[] {
  return [...(deps.wxoa.servedAppids?.() ?? deps.wxoa.accounts.map((a) => a.appid))];
}

/** An unknown /admin path: the console's 404 inside the console when signed in. */
function fallback(ctx: Context, deps: ConsoleDeps): void {
  const now = deps.clock();
  const session = readSession(ctx, deps.cookies.secret, now);
  const accounts = servedAppids(deps);
  const primaryAppid = accounts[0] ?? '';
  const view: ViewContext | null = session
    ? {
        session,
        sandbox: deps.simulator !== null,
        appid: primaryAppid,
        primaryAppid,
        accounts,
        now,
        component: Boolean(deps.wxoa.component),
      }
    : null;
  notFoundPage(ctx, view);
}

/** The stylesheet and the script, cached for a year: their URLs carry a content hash (layout.ts). */
function assetRoutes(router: Router): void {
  const asset = (type: string, body: string) => (ctx: Context) => {
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.body = body;
  };
  router.get('/admin/assets/console.css', asset('text/css; charset=utf-8', CONSOLE_CSS));
  router.get('/admin/assets/console.js', asset('text/javascript; charset=utf-8', CONSOLE_SCRIPT));
  router.get('/admin/assets/favicon.svg', asset('image/svg+xml', FAVICON));
}

function safeMethod(ctx: Context): boolean {
  return ctx.method === 'GET' || ctx.method === 'HEAD' || ctx.method === 'OPTIONS';
}

/**
 * A state-changing request another site made the browser send. `Sec-Fetch-Site` decides when the browser
 * sent it; otherwise an Origin that is neither this request's nor PUBLIC_URL's (an opaque `null` included)
 * is refused. Requests with neither header (old browsers, scripts) are left to the CSRF token.
 */
function crossSite(ctx: Context, publicOrigin: string): boolean {
  const site = ctx.get('sec-fetch-site');
  if (site === 'cross-site') return true;
  if (site === 'same-origin') return false;
  const origin = ctx.get('origin');
  // Koa 3's ctx.origin is the Origin header itself; this request's own origin is built from host and scheme.
  return origin !== '' && origin !== `${ctx.protocol}://${ctx.host}` && origin !== publicOrigin;
}
