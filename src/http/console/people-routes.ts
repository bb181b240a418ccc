import type { Router } from '@koa/router';
import { sendPage, viewOf, type ConsoleDeps } from './console-deps.js';
import { inputField } from './form-fields.js';
import { html } from './html.js';
import { consolePage } from './layout.js';
import { identityHead, identityRow } from './identity-views.js';
import { people } from '../admin-identities.js';

/** People shown at most for one search. */
const PEOPLE_LIMIT = 100;

/**
 * The People page (issue 12): finds a person by any OpenID (of an Official Account, a Mini Program, a
 * website or a mobile app) or by UnionID, and shows every identity linked to them, with why one has no
 * UnionID. The same search as `GET /api/people`.
 */
export function peopleRoutes(router: Router, deps: ConsoleDeps): void {
  router.get('/admin/people', async (ctx) => {
    const view = viewOf(ctx);
    const raw = ctx.query['q'];
    const q = (typeof raw === 'string' ? raw : '').trim();
    const { identities } = deps.wxoa.store;
    const found = q ? await people(identities, await identities.search(q, PEOPLE_LIMIT, view.accounts)) : [];
    const names = new Map([...deps.wxoa.apps.map((a) => [a.appid, a.name ?? ''] as const)]);
    const results = q
      ? found.length === 0
        ? html`<p class="muted" data-empty>Nobody has the OpenID or UnionID “${q}”.</p>`
        : found.map(
            (person) =>
              html`<section class="card" data-person="${person.unionid ?? ''}">
                <h2>
                  ${
                    person.unionid
                      ? html`UnionID <span class="mono">${person.unionid}</span>`
                      : html`No UnionID`
                  }
                  <span class="muted small"
                    >${person.identities.length} identit${person.identities.length === 1 ? 'y' : 'ies'}</span
                  >
                </h2>
                <div class="table-wrap">
                  <table class="stack" data-table="person">
                    <thead>
                      ${identityHead(true)}
                    </thead>
                    <tbody>
                      ${person.identities.map((i) =>
                        identityRow(
                          view,
                          {
                            ...i,
                            unionid: i.unionid,
                            firstSeen: Date.parse(i.firstSeen),
                            lastSeen: Date.parse(i.lastSeen),
                            scope: null,
                            subscribed: null,
                            enriched: null,
                          },
                          null,
                          names,
                          i.unionidReason,
                        ),
                      )}
                    </tbody>
                  </table>
                </div>
              </section>`,
          )
      : html`<p class="muted">
          Type an OpenID of any app (Official Account, Mini Program, website, mobile app) or a UnionID.
        </p>`;
    const body = html`<section class="card">
        <form method="get" action="/admin/people" class="inline" role="search">
          ${inputField({ name: 'q', label: 'OpenID or UnionID', type: 'search', value: q, placeholder: 'o… (exactly)' })}
          <div><button type="submit">Find</button></div>
        </form>
      </section>
      ${results}`;
    sendPage(ctx, consolePage(view, { title: 'People', section: 'people', body }));
  });
}
