import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { safeEqual } from '../../wire/signature.js';
import { retryAfterSeconds } from '../auth-brake.js';
import { sendPage, viewOf, type ConsoleDeps } from './console-deps.js';
import { endSession, startSession } from './console-session.js';
import { formString, inputField } from './form-fields.js';
import { html } from './html.js';
import { barePage, type Flash } from './layout.js';
import { redeemLoginToken } from './login-link.js';

/**
 * Signing in and out: the admin token in a form, or a one-time link (`createLoginLink`, printed at start),
 * each starting a session cookie. The login form carries no CSRF token (there is no session yet); the
 * console's Origin check (console-router.ts) keeps other sites from posting it.
 */
export function loginRoutes(router: Router, deps: ConsoleDeps): void {
  router.get('/admin/login', (ctx) => {
    loginPage(ctx, deps, { next: safeNext(ctx.query['next']) });
  });

  router.post('/admin/login', async (ctx) => {
    const token = formString(ctx.request.body, 'token');
    const next = safeNext(formString(ctx.request.body, 'next'));
    if (token.trim() === '') return loginPage(ctx, deps, { next, error: 'Enter the admin token.' }, 400);
    const right = safeEqual(token.trim(), deps.wxoa.config.adminToken);
    // Wrong tokens count against this client on every instance, with the API's; the right one waits too
    // while the client is braked, or a 302 among the 429s would give a guess away.
    const brake = deps.wxoa.authBrake;
    const wait = right ? await brake.succeeded(ctx) : await brake.failed(ctx);
    if (wait > 0) {
      deps.log.warn({ ip: ctx.ip }, 'console login braked after repeated wrong admin tokens');
      ctx.set('Retry-After', retryAfterSeconds(wait));
      const seconds = retryAfterSeconds(wait);
      return loginPage(
        ctx,
        deps,
        { next, error: `Too many wrong tokens from here. Try again in ${seconds} s.` },
        429,
      );
    }
    if (!right) {
      deps.log.warn({ ip: ctx.ip }, 'console login with a wrong admin token');
      return loginPage(ctx, deps, { next, error: 'That is not the admin token.' }, 401);
    }
    startSession(ctx, deps.cookies, deps.clock());
    ctx.redirect(next);
  });

  router.get('/admin/login/:token', async (ctx) => {
    // The token is in the URL: kept out of caches here, and out of other sites' Referer by the console's policy.
    ctx.set('Cache-Control', 'no-store');
    if (!(await redeemLoginToken(deps.wxoa.store.oauth, ctx.params['token'] ?? '', deps.clock()))) {
      const flash: Flash = {
        kind: 'error',
        text: 'This login link is not valid: it was already used, or it expired (links work once, for 15 minutes). Log in with the admin token instead.',
      };
      return loginPage(ctx, deps, { next: '/admin', flash }, 400);
    }
    startSession(ctx, deps.cookies, deps.clock());
    ctx.redirect('/admin');
  });
}

/**
 * Signs out: the session is revoked on every instance and the cookie cleared (registered on the private
 * router, behind session and CSRF checks).
 */
export function logoutRoute(router: Router, deps: ConsoleDeps): void {
  router.post('/admin/logout', async (ctx) => {
    await endSession(ctx, viewOf(ctx).session, deps.cookies, deps.wxoa.store.consoleSessions, deps.clock());
    loginPage(ctx, deps, { next: '/admin', flash: { kind: 'ok', text: 'You are logged out.' } });
  });
}

function loginPage(
  ctx: Context,
  deps: ConsoleDeps,
  state: { next: string; error?: string; flash?: Flash },
  status = 200,
): void {
  const hint = deps.wxoa.config.adminTokenGenerated
    ? 'No ADMIN_TOKEN is set, so one was generated and printed when the server started, with a one-time login link.'
    : 'The ADMIN_TOKEN the server was started with.';
  const body = html`<section class="card">
    <form method="post" action="/admin/login" class="stack">
      <input type="hidden" name="next" value="${state.next}" />
      ${inputField({ name: 'token', label: 'Admin token', type: 'password', autocomplete: 'current-password', error: state.error, hint, focus: true })}
      <div><button type="submit">Log in</button></div>
    </form>
  </section>`;
  sendPage(ctx, barePage('Log in to the wxoa console', body, state.flash ?? null), status);
}

/**
 * Where to go after logging in: a console path only, so a crafted `next` cannot send the operator to
 * another site (`//evil`, `/\evil`) or outside the console.
 */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string') return '/admin';
  if (!/^\/admin(?:[/?#]|$)/.test(value) || /[\\\u0000-\u001f]/.test(value)) return '/admin';
  return value;
}
