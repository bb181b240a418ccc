import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { expandMenu } from '../../menu/expand-menu.js';
import { oauthButtonNames } from '../../menu/oauth-buttons.js';
import { renderMenuText } from '../../menu/render-menu.js';
import { parseMenu } from '../../menu/validate-menu.js';
import type { MenuFile } from '../../menu/menu-types.js';
import type { Problem } from '../../replies/problem.js';
import { sendPage, viewOf, type ConsoleDeps } from './console-deps.js';
import { csrfInput } from './form-fields.js';
import { html, type Html } from './html.js';
import { consolePage, type Flash } from './layout.js';
import { menuPreview } from './menu-preview.js';
import { loadMenuSource, type MenuSource } from './menu-source.js';
import { consoleHref, type ViewContext } from './view-context.js';
import { wechatFlash } from './wechat-flash.js';

/** The menu file checked: the parsed menu, or every problem with its JSON path. */
type Checked = { menu: MenuFile; problems: [] } | { menu: null; problems: Problem[] };

/**
 * Menu: the config file's menu rendered as the WeChat client shows it, its validation problems, the live
 * menu WeChat has now, and a push button (validate, expand OAuth links with PUBLIC_URL, `menu/create`) —
 * what `wxoa menu push` does, from the browser.
 */
export function menuRoutes(router: Router, deps: ConsoleDeps): void {
  router.get('/admin/menu', async (ctx) => {
    const pushed = ctx.query['pushed'] === '1';
    await renderMenuPage(
      ctx,
      deps,
      pushed
        ? {
            kind: 'ok',
            text: 'Menu pushed: WeChat accepted it. Followers see it within a few minutes (or after re-following).',
          }
        : null,
    );
  });

  router.post('/admin/menu/push', async (ctx) => {
    const view = viewOf(ctx);
    const source = await loadMenuSource(deps.wxoa.config);
    const checked = source.kind === 'found' ? check(source.input, deps.wxoa.config.publicUrl) : null;
    if (!checked || !checked.menu) {
      return renderMenuPage(
        ctx,
        deps,
        { kind: 'error', text: 'Nothing was sent to WeChat: fix the menu file first.' },
        400,
      );
    }
    const { config } = deps.wxoa;
    const oauthButtons = oauthButtonNames(checked.menu.button);
    if (!config.sandbox && !config.publicUrlSet && oauthButtons.length > 0) {
      return renderMenuPage(
        ctx,
        deps,
        {
          kind: 'error',
          text: `Nothing was sent to WeChat: PUBLIC_URL is not set, so the oauth button(s) ${oauthButtons.join(', ')} would link to ${config.publicUrl}, which followers cannot open. Set PUBLIC_URL to this server's public https address and restart.`,
        },
        409,
      );
    }
    const api = deps.wxoa.apiFor(view.appid);
    if (!api) throw new Error(`no WeChat API client for ${view.appid}`);
    try {
      await api.createMenu({ button: [...expandMenu(checked.menu, deps.wxoa.config.publicUrl).button] });
    } catch (err) {
      const flash = wechatFlash(err, 'The menu was not pushed');
      if (!flash) throw err;
      return renderMenuPage(ctx, deps, flash, 502);
    }
    deps.log.info({ appid: view.appid }, 'menu pushed from the console');
    // Post/Redirect/Get: a reload shows the result instead of pushing the menu again.
    ctx.status = 303;
    ctx.redirect(consoleHref(view, '/admin/menu', { pushed: 1 }));
  });
}

async function renderMenuPage(
  ctx: Context,
  deps: ConsoleDeps,
  flash: Flash | null,
  status = 200,
): Promise<void> {
  const view = viewOf(ctx);
  const { publicUrl } = deps.wxoa.config;
  const source = await loadMenuSource(deps.wxoa.config);
  const checked = source.kind === 'found' ? check(source.input, publicUrl) : null;
  const live = await liveMenu(deps, view.appid);
  const body = html`<div class="grid two">
    <section class="card">
      <h2>Menu file</h2>
      ${fileSection(view, source, checked, publicUrl)}
    </section>
    <section class="card">
      <h2>Live on WeChat</h2>
      ${live}
    </section>
  </div>`;
  sendPage(ctx, consolePage(view, { title: 'Menu', section: 'menu', flash, body }), status);
}

function check(input: unknown, publicUrl: string): Checked {
  const result = parseMenu(input, { publicUrl });
  return 'problems' in result
    ? { menu: null, problems: result.problems }
    : { menu: result.menu, problems: [] };
}

function fileSection(
  view: ViewContext,
  source: MenuSource,
  checked: Checked | null,
  publicUrl: string,
): Html {
  if (source.kind === 'none') {
    return html`<p>
        The config file has no menu. Add one to <code>wxoa.config.json</code>, inline or as a path:
      </p>
      <pre class="tree">{ "menu": "menu.json" }</pre>
      <p class="muted small">
        A menu file is WeChat’s <code>menu/create</code> body; a <code>view</code> button may give
        <code>"oauth": {"scope": "snsapi_base", "target": "/account"}</code> instead of a <code>url</code>.
      </p>`;
  }
  if (source.kind === 'unreadable') {
    return html`<div class="flash error" role="alert">
      The menu file <code>${source.where}</code> cannot be used: ${source.message}.
    </div>`;
  }
  const result = checked as Checked;
  const problems = result.problems.length
    ? html`<div class="flash error" role="alert">
        <strong>${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}</strong> — WeChat
        would refuse this menu:
        <ul class="problems" data-problems>
          ${result.problems.map((p) => html`<li><code>${p.path || '(the menu)'}</code>: ${p.message}</li>`)}
        </ul>
      </div>`
    : html`<p class="flash ok" role="status">Valid: WeChat’s rules are met.</p>`;
  const from = source.demo
    ? html`<p class="muted small" data-menu-source="demo">
        The demo menu: there is no config file. Put a <code>"menu"</code> in <code>wxoa.config.json</code>
        to use your own.
      </p>`
    : html`<p class="muted small">From <code>${source.where}</code></p>`;
  return html`${from} ${problems} ${menuPreview(source.input, 'Preview')}
    ${result.menu ? html`<pre class="tree" aria-label="Menu as text">${renderMenuText(result.menu, { publicUrl })}</pre>` : ''}
    <form
      method="post"
      action="${consoleHref(view, '/admin/menu/push')}"
      data-confirm="Replace the menu every follower sees?"
    >
      ${csrfInput(view.session)}
      <button type="submit" ${result.menu ? '' : html` disabled`}>Push to WeChat</button>
      <span class="hint"
        >${result.menu ? 'Validates, expands sign-in links with PUBLIC_URL, then calls menu/create.' : 'Fix the problems above to push.'}</span
      >
    </form>`;
}

async function liveMenu(deps: ConsoleDeps, appid: string): Promise<Html> {
  const api = deps.wxoa.apiFor(appid);
  if (!api) return html`<p class="muted">No API client for this account.</p>`;
  let menu: unknown;
  try {
    menu = await api.getMenu();
  } catch (err) {
    const flash = wechatFlash(err, 'The live menu could not be read');
    if (!flash) throw err;
    return html`<p class="muted">${flash.text}</p>`;
  }
  if (menu === null) return html`<p class="muted">The account has no menu yet.</p>`;
  // menu/get answers {menu: {button}}; the bare {button} shape is accepted as well.
  const inner = (menu as { menu?: unknown }).menu ?? menu;
  return html`${menuPreview(inner, 'On WeChat now')}`;
}
