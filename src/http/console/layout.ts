import { createHash } from 'node:crypto';
import { apiStatusStrip } from './api-status-strip.js';
import { CONSOLE_CSS } from './console-css.js';
import { CONSOLE_SCRIPT } from './console-script.js';
import { html, type Html } from './html.js';
import { consoleHref, type Section, type ViewContext } from './view-context.js';

/** A message at the top of a page. */
export interface Flash {
  kind: 'ok' | 'error' | 'warn';
  text: string | Html;
}

/** What a page puts in the shell. */
export interface PageOptions {
  title: string;
  section?: Section;
  flash?: Flash | null;
  body: Html;
}

/** Content hashes of the assets: their URLs change when they do, so they can be cached for a year. */
export const ASSET_VERSION = {
  css: createHash('sha256').update(CONSOLE_CSS).digest('hex').slice(0, 12),
  js: createHash('sha256').update(CONSOLE_SCRIPT).digest('hex').slice(0, 12),
};

const NAV: ReadonlyArray<{
  section: Section;
  label: string;
  path: string;
  sandboxOnly?: boolean;
  componentOnly?: boolean;
}> = [
  { section: 'followers', label: 'Followers', path: '/admin/followers' },
  { section: 'people', label: 'People', path: '/admin/people' },
  { section: 'tags', label: 'Tags', path: '/admin/tags' },
  { section: 'conversations', label: 'Conversations', path: '/admin/conversations' },
  { section: 'campaigns', label: 'Campaigns', path: '/admin/campaigns' },
  { section: 'menu', label: 'Menu', path: '/admin/menu' },
  { section: 'simulator', label: 'Simulator', path: '/admin/simulator', sandboxOnly: true },
  { section: 'component', label: 'Accounts', path: '/admin/component', componentOnly: true },
];

/** A signed-in page: navigation, account, log-out button, then the page. */
export function consolePage(view: ViewContext, options: PageOptions): string {
  const nav = NAV.filter(
    (n) => (!n.sandboxOnly || view.sandbox) && (!n.componentOnly || view.component === true),
  ).map(
    (n) =>
      html`<a
        href="${consoleHref(view, n.path)}"
        ${n.section === options.section ? html` aria-current="page"` : ''}
        >${n.label}</a
      >`,
  );
  const header = html`<header class="top">
    <a class="brand" href="${consoleHref(view, '/admin')}"><span class="dot"></span>wxoa</a>
    ${view.sandbox ? html`<span class="badge-sandbox" title="No WECHAT_APPID: a simulated WeChat runs beside the server">sandbox</span>` : ''}
    <nav class="nav" aria-label="Console">${nav}</nav>
    <div class="right">
      ${accountPicker(view)}
      <form method="post" action="/admin/logout">
        <input type="hidden" name="_csrf" value="${view.session.csrf}" /><button
          class="linklike"
          type="submit"
        >
          Log out
        </button>
      </form>
    </div>
  </header>`;
  return document(
    options.title,
    html`${header} ${apiStatusStrip(view.apiFailure, view.now)}
      <main>
        ${flashBox(options.flash)}
        <h1>${options.title}</h1>
        ${options.body}
      </main>`,
  );
}

/** A page outside the session (login, expired link): no navigation. */
export function barePage(title: string, body: Html, flash?: Flash | null): string {
  return document(
    title,
    html`<header class="top">
        <a class="brand" href="/admin"><span class="dot"></span>wxoa</a>
      </header>
      <main class="login">
        ${flashBox(flash)}
        <h1>${title}</h1>
        ${body}
      </main>`,
  );
}

/** The flash box alone, for pages that place it themselves. */
export function flashBox(flash: Flash | null | undefined): Html | '' {
  if (!flash) return '';
  return html`<div class="flash ${flash.kind}" role="${flash.kind === 'ok' ? 'status' : 'alert'}">
    ${flash.text}
  </div>`;
}

function accountPicker(view: ViewContext): Html | '' {
  if (view.accounts.length < 2)
    return html`<span class="account mono" title="Official Account">${view.appid}</span>`;
  const options = view.accounts.map(
    (a) => html`<option value="${a}" ${a === view.appid ? html` selected` : ''}>${a}</option>`,
  );
  return html`<form method="get" action="/admin/followers" class="account">
    <label class="account" for="account-pick">Account</label>
    <select id="account-pick" name="appid" data-autosubmit>
      ${options}
    </select>
    <noscript><button class="linklike" type="submit">Switch</button></noscript>
  </form>`;
}

function document(title: string, body: Html): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${title} · wxoa console</title>
        <link rel="icon" href="/admin/assets/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/admin/assets/console.css?v=${ASSET_VERSION.css}" />
        <script src="/admin/assets/console.js?v=${ASSET_VERSION.js}" defer></script>
      </head>
      <body>
        ${body}
      </body>
    </html> `.value;
}
