import { Router } from '@koa/router';
import type { Context } from 'koa';
import { silentLogger, withBindings, type Logger } from '../logger.js';
import { mintBrowserId } from '../oauth/browser-id.js';
import {
  OAuthFlow,
  OAuthRequestError,
  type OAuthApi,
  type OAuthFlowOptions,
  type StateScope,
} from '../oauth/flow.js';
import { signCookieValue, verifyCookieValue } from '../oauth/signed-cookie.js';
import type { OAuthRepo } from '../oauth/oauth-repo.js';
import { WechatApiError, WechatHttpError } from '../wechat-api/errors.js';
import { loginUrl, SESSION_COOKIE, visitorOf, visitorSessionToken } from './visitor.js';

/** The cookie binding each OAuth `state` to the browser that asked for it. */
export const BROWSER_COOKIE = 'wxoa_browser';

/** How long a visitor session lasts by default: a week, after which a silent snsapi_base round trip renews it. */
export const DEFAULT_SESSION_TTL_MS = 7 * 24 * 3_600_000;

/** How long the browser cookie lives; renewed on every visit to /oauth/authorize, so only idle browsers lose it. */
const BROWSER_COOKIE_TTL_MS = 24 * 3_600_000;

/** Options of {@link oauthRouter}. */
export interface OAuthRouterOptions {
  /** The account whose web authorization this is (WECHAT_APPID). */
  appid: string;
  /** The account's API client (code exchange and `/sns/userinfo`). */
  api: OAuthApi;
  store: { oauth: OAuthRepo };
  /** `WECHAT_OPEN_BASE`. */
  openBase: string;
  /** `PUBLIC_URL`: the callback is `$PUBLIC_URL/oauth/callback`, and `https` makes the cookies Secure. */
  publicUrl: string;
  /**
   * Signs the browser cookie and the sessions. Every instance must share it, and it must stay secret
   * (e.g. derived from the AppSecret by the composition root); changing it signs everyone out.
   */
  secret: string;
  /** Default {@link DEFAULT_SESSION_TTL_MS}. */
  sessionTtlMs?: number;
  /** Default 10 minutes (oauth/flow.ts). */
  stateTtlMs?: number;
  /** Unix milliseconds; default Date.now. */
  clock?: () => number;
  logger?: Logger;
  /** The Open Platform's website apps (INTERFACE.md §8), for `GET /oauth/login`; none: it answers 404. */
  websites?: ReadonlyArray<{ appid: string; api: OAuthApi }>;
  /** Records a website sign-in (OAuthFlowOptions.recordWebsite); required with `websites`. */
  recordWebsite?: OAuthFlowOptions['recordWebsite'];
  /**
   * Where the routes live; default `/oauth`. A third-party platform mounts one router per authorizer under
   * `/component/oauth/:appid` with `componentAppid` set (INTERFACE.md §9).
   */
  prefix?: string;
  componentAppid?: string;
}

/**
 * Web authorization routes (INTERFACE.md §6):
 *
 * - `GET /oauth/authorize?target=/path&scope=snsapi_base|snsapi_userinfo` → 302 to WeChat's authorize page
 *   with a fresh state bound to this browser; a target that is not a path on this server, or another
 *   scope → 400.
 * - `GET /oauth/callback?code&state` → exchanges the code, records the identity, sets the session cookie and
 *   302s to the target; a forged, expired, reused or other browser's state → 400; no code → a page saying the
 *   user declined, no session.
 * - `GET /oauth/login?target=/path[&appid=]` → 302 to a website app's QR sign-in page (INTERFACE.md §8), with
 *   the same state rules; `appid` picks one of several website apps; none configured or an unknown one → 404.
 * - `GET /oauth/whoami` → the signed-in visitor as JSON, or 401: an example of a protected route (see
 *   `visitorOf` / `requireVisitor` in http/visitor.ts for real pages).
 *
 * Pages are short and say nothing about why a state was refused. Nothing here is under /api: these are
 * the visitor's pages, not the operator's.
 */
export function oauthRouter(options: OAuthRouterOptions): Router {
  const clock = options.clock ?? Date.now;
  const websites = new Map((options.websites ?? []).map((w) => [w.appid, w.api]));
  const log = withBindings(options.logger ?? silentLogger, { module: 'oauth' });
  const flow = new OAuthFlow({
    appid: options.appid,
    api: options.api,
    oauth: options.store.oauth,
    openBase: options.openBase,
    publicUrl: options.publicUrl,
    clock,
    logger: options.logger ?? silentLogger,
    ...(options.stateTtlMs !== undefined ? { stateTtlMs: options.stateTtlMs } : {}),
    websiteApi: (appid) => websites.get(appid),
    ...(options.recordWebsite ? { recordWebsite: options.recordWebsite } : {}),
    ...(options.prefix !== undefined ? { callbackPath: `${options.prefix}/callback` } : {}),
    ...(options.componentAppid !== undefined ? { componentAppid: options.componentAppid } : {}),
  });
  const prefix = options.prefix ?? '/oauth';
  const secure = new URL(options.publicUrl).protocol === 'https:';
  const sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  const { secret } = options;
  const router = new Router();

  const setCookie = (ctx: Context, name: string, value: string, path: string, maxAge: number): void => {
    // Behind a TLS-terminating proxy the request itself is plain HTTP, and Koa refuses Secure cookies on it
    // unless told: PUBLIC_URL being https is what says the browser sees HTTPS.
    if (secure) ctx.cookies.secure = true;
    ctx.cookies.set(name, value, { httpOnly: true, sameSite: 'lax', secure, path, maxAge, overwrite: true });
  };

  /**
   * Sends the browser to WeChat's sign-in page that `start` names, with the browser's id in its cookie; a
   * bad request answers a 400 page with its message.
   */
  const startSignIn = async (ctx: Context, start: (browserId: string) => Promise<string>): Promise<void> => {
    // Reuse this browser's id when its cookie is genuine, so sign-ins started in two tabs both work.
    const browserId = readBrowserId(ctx, secret) ?? mintBrowserId();
    let location: string;
    try {
      location = await start(browserId);
    } catch (err) {
      if (err instanceof OAuthRequestError) return page(ctx, 400, 'Bad request', err.message);
      throw err;
    }
    setCookie(ctx, BROWSER_COOKIE, signCookieValue(browserId, secret), prefix, BROWSER_COOKIE_TTL_MS);
    ctx.status = 302;
    ctx.set('Location', location);
    ctx.body = '';
  };

  router.get(`${prefix}/authorize`, async (ctx) => {
    noStore(ctx);
    const target = single(ctx, 'target');
    const scope = single(ctx, 'scope');
    if (target === null || scope === null)
      return page(ctx, 400, 'Bad request', 'Each parameter may be given once.');
    await startSignIn(ctx, (browserId) => flow.start({ target, scope, browserId }));
  });

  router.get(`${prefix}/login`, async (ctx) => {
    noStore(ctx);
    const target = single(ctx, 'target');
    const appidParam = single(ctx, 'appid');
    if (target === null || appidParam === null)
      return page(ctx, 400, 'Bad request', 'Each parameter may be given once.');
    const appid = appidParam === undefined || appidParam === '' ? undefined : appidParam;
    if (websites.size === 0)
      return page(ctx, 404, 'Not found', 'No website app is configured for WeChat sign-in.');
    if (appid === undefined && websites.size > 1)
      return page(ctx, 400, 'Bad request', 'Several website apps are configured: name one with appid=.');
    const chosen = appid ?? [...websites.keys()][0]!;
    if (!websites.has(chosen)) return page(ctx, 404, 'Not found', 'No website app with this AppID.');
    await startSignIn(ctx, (browserId) => flow.startWebsite({ target, appid: chosen, browserId }));
  });

  router.get(`${prefix}/callback`, async (ctx) => {
    noStore(ctx);
    // The URL carries the code: keep it out of Referer headers of whatever the page links to.
    ctx.set('Referrer-Policy', 'no-referrer');
    const state = single(ctx, 'state');
    const code = single(ctx, 'code');
    if (state === null || code === null)
      return page(ctx, 400, 'Sign-in failed', 'This sign-in link is not valid.');

    let outcome;
    try {
      outcome = await flow.finish({ state, code, browserId: readBrowserId(ctx, secret) });
    } catch (err) {
      // Details stay in the log: the visitor learns only whether trying again later may help.
      if (err instanceof WechatHttpError || err instanceof WechatApiError) {
        log.error({ err }, 'OAuth code exchange failed');
        return page(ctx, 502, 'Sign-in failed', 'WeChat could not be reached. Please try again in a moment.');
      }
      log.error({ err }, 'OAuth callback failed');
      return page(
        ctx,
        500,
        'Sign-in failed',
        'Something went wrong on our side. Please try again in a moment.',
      );
    }

    switch (outcome.kind) {
      case 'invalid_state':
        return page(ctx, 400, 'Sign-in failed', 'This sign-in link is not valid or has expired.');
      case 'refused':
        return page(
          ctx,
          200,
          'Not signed in',
          'You declined to sign in with WeChat, so you are not signed in.',
          {
            href: againUrl(outcome.target, outcome.scope),
            text: 'Sign in with WeChat',
          },
        );
      case 'code_rejected':
        return page(ctx, 400, 'Sign-in failed', 'This sign-in link has expired or was already used.', {
          href: againUrl(outcome.target, outcome.scope),
          text: 'Try again',
        });
      case 'signed_in': {
        const expiresAt = clock() + sessionTtlMs;
        setCookie(
          ctx,
          SESSION_COOKIE,
          visitorSessionToken(outcome.identity, secret, expiresAt),
          '/',
          sessionTtlMs,
        );
        ctx.status = 302;
        // The target was checked to be a path on this server when the state was minted, and stored with it.
        ctx.set('Location', outcome.target);
        ctx.body = '';
        return;
      }
    }
  });

  router.get(`${prefix}/whoami`, (ctx) => {
    noStore(ctx);
    const visitor = visitorOf(ctx, secret, clock());
    if (visitor === null) {
      ctx.status = 401;
      ctx.body = {
        error: {
          code: 'unauthenticated',
          message: `not signed in; sign in at ${loginUrl('/oauth/whoami')}`,
        },
      };
      return;
    }
    ctx.body = visitor;
  });

  return router;
}

/** Where a declined or failed sign-in starts again: a website's QR page, or the Official Account's. */
function againUrl(target: string, scope: StateScope): string {
  return scope === 'snsapi_login'
    ? `/oauth/login?target=${encodeURIComponent(target)}`
    : loginUrl(target, scope);
}

/** The browser id in this request's cookie, or null when there is none or its signature is wrong. */
function readBrowserId(ctx: Context, secret: string): string | null {
  const signed = ctx.cookies.get(BROWSER_COOKIE);
  return signed ? verifyCookieValue(signed, secret) : null;
}

/** A query parameter given at most once: undefined when absent, null when repeated. */
function single(ctx: Context, name: string): string | undefined | null {
  const value = ctx.query[name];
  return Array.isArray(value) ? null : value;
}

/** Sign-in answers are per visitor and single-use: no cache may keep or replay them. */
function noStore(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
}

/** A short HTML page for the visitor (the WeChat in-app browser): a title, one sentence, maybe a link. */
function page(
  ctx: Context,
  status: number,
  title: string,
  text: string,
  link?: { href: string; text: string },
): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('X-Content-Type-Options', 'nosniff');
  const action = link ? `\n<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : '';
  ctx.body =
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title></head>\n<body>\n<h1>${escapeHtml(title)}</h1>\n` +
    `<p>${escapeHtml(text)}</p>${action}\n</body></html>\n`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
