import type { Router } from '@koa/router';
import { permissionSetName } from '../../component/permissions.js';
import { sendPage, viewOf, type ConsoleDeps } from './console-deps.js';
import { timeTag } from './format-time.js';
import { html } from './html.js';
import { consolePage, type Flash } from './layout.js';
import { notFoundPage } from './not-found.js';

/**
 * "Connect an Official Account" (issue 13): the third-party platform's state (its ticket, its token), the
 * button that starts WeChat's authorization (`/component/authorize`), and every account that authorized the
 * platform with its name, `gh_` id and permission sets, each a link to its followers.
 */
export function componentConsoleRoutes(router: Router, deps: ConsoleDeps): void {
  router.get('/admin/component', async (ctx) => {
    const view = viewOf(ctx);
    const platform = deps.wxoa.component;
    if (!platform) {
      return notFoundPage(ctx, view, 'No third-party platform is configured (WECHAT_COMPONENT_*).');
    }
    const [ticket, tokenExpiresAt, authorizers] = await Promise.all([
      platform.ticket(),
      platform.api.tokenExpiresAt(),
      platform.authorizers(),
    ]);
    const connected = typeof ctx.query['connected'] === 'string' ? ctx.query['connected'] : '';
    const justConnected = authorizers.find((a) => a.appid === connected);
    const flash: Flash | null = justConnected
      ? {
          kind: 'ok',
          text: `Connected ${justConnected.name ?? justConnected.appid}${justConnected.userName ? ` (${justConnected.userName})` : ''}.`,
        }
      : null;
    const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));
    const rows = authorizers.map(
      (a) =>
        html`<tr>
          <td>${a.name ?? html`<span class="muted">—</span>`}</td>
          <td class="mono">${a.userName ?? '—'}</td>
          <td class="mono">
            <a href="${`/admin/followers?appid=${encodeURIComponent(a.appid)}`}">${a.appid}</a>
          </td>
          <td>
            ${
              a.funcInfo.length === 0
                ? html`<span class="muted">none known</span>`
                : html`<ul class="plain">
                    ${a.funcInfo.map((id) => html`<li>${permissionSetName(id)}</li>`)}
                  </ul>`
            }
          </td>
          <td>
            ${a.authorized ? 'authorized' : html`<strong>withdrawn</strong> ${timeTag(seconds(a.unauthorizedAt))}`}
          </td>
          <td>${timeTag(seconds(a.authorizedAt))}</td>
        </tr>`,
    );
    const body = html`<section>
        <p>
          Official Accounts authorize this third-party platform (${platform.appid}) in WeChat; wxoa then
          serves them without their AppSecret.
        </p>
        <p>
          ${
            ticket
              ? html`Latest component_verify_ticket: ${timeTag(seconds(ticket.receivedAt))}.`
              : html`<strong>No component_verify_ticket yet.</strong> WeChat pushes one every 10 minutes to
                  <span class="mono">/wechat/component/events</span> once the platform is approved.`
          }
          ${tokenExpiresAt !== null ? html` Platform token valid until ${timeTag(seconds(tokenExpiresAt))}.` : ''}
        </p>
        <p><a class="button" href="/component/authorize?authType=1">Connect an Official Account</a></p>
      </section>
      <section>
        <h2>Connected accounts</h2>
        ${
          authorizers.length === 0
            ? html`<p class="muted">No account has authorized the platform yet.</p>`
            : html`<table class="stack" data-table="authorizers">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Original id</th>
                    <th>AppID</th>
                    <th>Permission sets</th>
                    <th>Status</th>
                    <th>Authorized</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows}
                </tbody>
              </table>`
        }
      </section>`;
    sendPage(
      ctx,
      consolePage(view, { title: 'Connect an Official Account', section: 'component', flash, body }),
    );
  });
}
