import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Follower } from '../follower.js';
import type { OAuthScope } from '../oauth-grants.js';
import { escapeXml } from '../qr-image.js';
import type { World } from '../world.js';
import { queryOf } from './api-kit.js';

const STATE_SHAPE = /^[A-Za-z0-9]{1,128}$/;

/**
 * GET /connect/oauth2/authorize (§6.8) — WeChat's authorize page, drivable without clicks:
 *
 * - who authorizes: `sim_openid=` (an openid of this account) or `sim_unionid=` (a person), else the
 *   account's first current follower, else one fixed visitor who does not follow;
 * - what they do: `sim_action=approve` or `sim_action=refuse`; without it the page decides as WeChat:
 *   `snsapi_base` is silent, `snsapi_userinfo` is silent for a follower (unless `forcePopup=true`) and
 *   otherwise shows a consent page with Approve / Refuse links (`sim_action=ask` always shows it);
 * - approval 302s to `redirect_uri?code=CODE&state=STATE`, refusal to `redirect_uri?state=STATE`.
 *
 * Page errors answer 400 with WeChat's code in the page: 10012/10011/10010 missing appid/redirect_uri/
 * scope, 10003 redirect_uri not http(s) or outside the account's oauthDomains, 10005 unknown scope,
 * 10013 a state outside [a-zA-Z0-9]{1,128} (the documented shape; WeChat uses 10013 for the state
 * parameter), 40013 unknown appid, 40035 response_type other than `code` (chosen).
 */
export function authorizeRoutes(router: Router, world: World): void {
  router.get('/connect/oauth2/authorize', (ctx) => {
    const q = queryOf(ctx);
    const fail = pageError(ctx, 'Authorization error');
    if (!q['appid']) return fail(10012, 'appid is missing');
    const account = world.accounts.get(q['appid']);
    ctx.state['appid'] = q['appid'];
    if (!account) return fail(40013, 'invalid appid');
    const redirect = redirectUri(q['redirect_uri']);
    if (!(redirect instanceof URL)) return fail(...redirect);
    if (account.oauthDomains.length > 0 && !account.oauthDomains.includes(redirect.host)) {
      return fail(
        10003,
        `redirect_uri host ${redirect.host} is not an authorized domain (${account.oauthDomains.join(', ')})`,
      );
    }
    if (q['response_type'] !== 'code') return fail(40035, 'response_type must be code');
    const scope = q['scope'];
    if (!scope) return fail(10010, 'scope is missing');
    if (scope !== 'snsapi_base' && scope !== 'snsapi_userinfo')
      return fail(10005, `scope ${scope} is not allowed`);
    const state = q['state'] ?? '';
    if (!stateOk(state)) return fail(10013, 'state must be [a-zA-Z0-9], at most 128 bytes');

    let who: Follower | undefined;
    if (q['sim_openid']) {
      who = account.find(q['sim_openid']);
      if (!who) return fail(40003, `sim_openid ${q['sim_openid']} is not an openid of ${account.appid}`);
    } else if (q['sim_unionid']) {
      const person = world.persons.get(q['sim_unionid']);
      if (!person) return fail(40003, `no person with unionid ${q['sim_unionid']}`);
      who = account.followerOf(person);
    } else {
      const holder = account.phoneHolder !== undefined ? account.find(account.phoneHolder) : undefined;
      const first = account.followers()[0];
      who = holder ?? (first !== undefined ? account.find(first) : undefined);
      who ??= account.visitor ??= account.follower();
    }

    const action = q['sim_action'];
    const silent = scope === 'snsapi_base' || (who.subscribed && q['forcePopup'] !== 'true');
    if (action === 'refuse') return finish(ctx, redirect, state, undefined);
    if (action === 'approve' || (action === undefined && silent)) {
      const code = world.oauth.issueCode({
        appid: account.appid,
        openid: who.openid,
        unionid: who.unionid,
        scope: scope as OAuthScope,
      });
      return finish(ctx, redirect, state, code);
    }
    const choice = (act: string): string => {
      const url = new URL(ctx.href);
      url.searchParams.set('sim_action', act);
      url.searchParams.set('sim_openid', who.openid);
      return escapeXml(url.pathname + url.search);
    };
    ctx.type = 'html';
    ctx.body = page(
      'Authorize',
      `<p>${escapeXml(account.ghId)} (${escapeXml(account.appid)}) asks for your public profile (${escapeXml(scope)}).</p>` +
        `<p>Authorize as <strong>${escapeXml(who.person.nickname)}</strong> (<code>${escapeXml(who.openid)}</code>)?</p>` +
        `<p><a id="approve" href="${choice('approve')}">Approve</a> · <a id="refuse" href="${choice('refuse')}">Refuse</a></p>`,
    );
  });
}

/** A sign-in page's error: 400 with WeChat's code in a page titled `title` (and in the request log). */
export function pageError(ctx: Context, title: string): (code: number, message: string) => void {
  return (code, message) => {
    ctx.state['errcode'] = code;
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = page(title, `<p>Error ${code}: ${escapeXml(message)}</p>`);
  };
}

/** redirect_uri as the sign-in pages check it: present (10011), an absolute http(s) URL (10003). */
export function redirectUri(raw: string | undefined): URL | [code: number, message: string] {
  if (!raw) return [10011, 'redirect_uri is missing'];
  let redirect: URL;
  try {
    redirect = new URL(raw);
  } catch {
    return [10003, 'redirect_uri is not an absolute URL'];
  }
  if (redirect.protocol !== 'http:' && redirect.protocol !== 'https:')
    return [10003, 'redirect_uri must be http(s)'];
  return redirect;
}

/** The state's documented shape, [a-zA-Z0-9]{0,128} (WeChat answers 10013 otherwise). */
export function stateOk(state: string): boolean {
  return state === '' || STATE_SHAPE.test(state);
}

/**
 * 302 to the redirect_uri with the code (approval) or only the state (refusal), §6.8. A browser navigating
 * here gets a page that moves on by itself instead: after an HTTP redirect a browser keeps the
 * `#wechat_redirect` of the authorize URL on every later URL, which WeChat's client does not do.
 */
export function finish(ctx: Context, redirect: URL, state: string, code: string | undefined): void {
  const target = new URL(redirect);
  if (code !== undefined) target.searchParams.set('code', code);
  target.searchParams.set('state', state);
  if (ctx.get('sec-fetch-mode') !== 'navigate') return ctx.redirect(target.toString());
  const href = escapeXml(target.toString());
  ctx.type = 'html';
  ctx.body = page(
    'Signing in',
    `<meta http-equiv="refresh" content="0;url=${href}"><p><a id="continue" href="${href}">Continue</a></p>`,
  );
}

/** A page of the simulated WeChat (authorize, QR sign-in). */
export function page(title: string, body: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
    `<title>${escapeXml(title)} · WeChat simulator</title></head><body><h1>${escapeXml(title)}</h1>${body}</body></html>`
  );
}
