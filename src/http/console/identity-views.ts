import type { Identity, IdentitySource } from '../../identities/identity.js';
import type { UnionidReason } from '../../identities/unionid-reason.js';
import { html, type Html } from './html.js';
import { consoleHref, segment, type ViewContext } from './view-context.js';

/** How an identity was learnt, in words. */
export const SOURCE_WORDS: Record<IdentitySource, string> = {
  follower: 'follower',
  oauth: 'web sign-in (OAuth)',
  miniprogram: 'Mini Program sign-in',
  mobile: 'mobile app sign-in',
  website: 'website QR sign-in',
};

const APP_TYPE_WORDS: Record<Identity['appType'], string> = {
  official_account: 'Official Account',
  miniprogram: 'Mini Program',
  website: 'website',
  mobile: 'mobile app',
};

/** The head of a table of identities (the follower page's "Same person elsewhere", the People page). */
export function identityHead(withReason = false): Html {
  return html`<tr>
    <th>App</th>
    <th>OpenID</th>
    <th>Known from</th>
    <th>First seen</th>
    <th>Last seen</th>
    ${withReason ? html`<th>UnionID</th>` : ''}
  </tr>`;
}

/**
 * One identity as a row: an Official Account's follower links to their page; `here` marks the identity
 * the page is about.
 */
export function identityRow(
  view: Pick<ViewContext, 'accounts' | 'primaryAppid'>,
  i: Identity,
  here: { appid: string; openid: string } | null,
  names: ReadonlyMap<string, string> = new Map(),
  reason?: UnionidReason | null,
): Html {
  const isFollower = i.source === 'follower' && view.accounts.includes(i.appid);
  const link = isFollower
    ? html`<a
        class="mono"
        href="${consoleHref({ appid: i.appid, primaryAppid: view.primaryAppid }, `/admin/followers/${segment(i.openid)}`)}"
        >${i.openid}</a
      >`
    : html`<span class="mono">${i.openid}</span>`;
  const mine = here !== null && i.appid === here.appid && i.openid === here.openid;
  const name = names.get(i.appid);
  return html`<tr data-source="${i.source}" data-app-type="${i.appType}">
    <td data-label="App">
      ${name ? html`${name} ` : ''}<span class="mono small">${i.appid}</span>
      <span class="tag">${APP_TYPE_WORDS[i.appType]}</span>
    </td>
    <td data-label="OpenID">${link}${mine ? html` <span class="tag">this one</span>` : ''}</td>
    <td data-label="Known from">${SOURCE_WORDS[i.source]}</td>
    <td data-label="First seen">${isoShort(i.firstSeen)}</td>
    <td data-label="Last seen">${isoShort(i.lastSeen)}</td>
    ${
      reason === undefined
        ? ''
        : html`<td data-label="UnionID">
            ${
              i.unionid
                ? html`<span class="mono">${i.unionid}</span>`
                : html`<span class="muted" data-unionid-reason="${reason?.code ?? ''}"
                    >none: ${reason?.message ?? ''}</span
                  >`
            }
          </td>`
    }
  </tr>`;
}

function isoShort(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}
