import type { Context } from 'koa';
import type { Follower } from '../../followers/follower.js';
import type { LocalTag } from '../../followers/tag-repo.js';
import { csrfInput, inputField, selectField } from './form-fields.js';
import { html, type Html } from './html.js';
import type { Flash } from './layout.js';
import { consoleHref, segment, type ViewContext } from './view-context.js';

/**
 * The follower page's management card: tag chips (remove), add a tag, the remark, block / unblock. Every
 * change goes to WeChat first; the page shows what WeChat accepted.
 */
export function followerManagementCard(view: ViewContext, f: Follower, tags: readonly LocalTag[]): Html {
  const name = (id: number) => tags.find((t) => t.id === id)?.name ?? `tag ${id}`;
  const base = `/admin/followers/${segment(f.openid)}`;
  const chips = f.tags.map(
    (id) =>
      html`<form method="post" action="${consoleHref(view, `${base}/untag`)}" class="chip" data-chip="${id}">
        ${csrfInput(view.session)}<input type="hidden" name="tag" value="${id}" />
        <span class="tag">${name(id)}</span>
        <button type="submit" class="link" aria-label="Remove tag ${name(id)}">×</button>
      </form>`,
  );
  const addable = tags.filter((t) => !f.tags.includes(t.id) && t.id !== 1);
  return html`<section class="card" data-panel="manage">
    <h2>Tags, remark and blacklist</h2>
    <div data-field="tag-chips">${chips.length ? chips : html`<span class="muted">no tags</span>`}</div>
    ${
      addable.length
        ? html`<form method="post" action="${consoleHref(view, `${base}/tag`)}" class="inline">
            ${csrfInput(view.session)}
            ${selectField({ name: 'tag', label: 'Add a tag', value: '', choices: addable.map((t) => ({ value: String(t.id), label: t.name })) })}
            <div><button type="submit" class="secondary">Add tag</button></div>
          </form>`
        : html`<p class="muted small">
            No other tag to add: create tags on the
            <a href="${consoleHref(view, '/admin/tags')}">Tags</a> page.
          </p>`
    }
    <form method="post" action="${consoleHref(view, `${base}/remark`)}" class="inline">
      ${csrfInput(view.session)}
      ${inputField({ name: 'remark', label: 'Remark (at most 30 bytes: 10 Chinese characters)', value: f.remark })}
      <div><button type="submit" class="secondary">Save remark</button></div>
    </form>
    <form
      method="post"
      action="${consoleHref(view, `${base}/${f.blacklisted ? 'unblock' : 'block'}`)}"
      class="inline"
    >
      ${csrfInput(view.session)}
      <p data-field="blacklisted">
        ${f.blacklisted ? html`<span class="tag red">blocked</span> ` : ''}
        <button type="submit" class="secondary">${f.blacklisted ? 'Unblock' : 'Block'}</button>
      </p>
    </form>
  </section>`;
}

/** "Tag every follower in this list" for the Followers page's filters (not for a search prefix). */
export function tagAllForm(
  view: ViewContext,
  filters: { scene: string; subscribed: string; tag?: string },
  tags: readonly LocalTag[],
): Html {
  const usable = tags.filter((t) => t.id !== 1);
  if (usable.length === 0) return html``;
  return html`<form
    method="post"
    action="${consoleHref(view, '/admin/followers/tag-all')}"
    class="inline"
    data-form="tag-all"
  >
    ${csrfInput(view.session)}
    <input type="hidden" name="scene" value="${filters.scene}" />
    <input type="hidden" name="subscribed" value="${filters.subscribed}" />
    <input type="hidden" name="withTag" value="${filters.tag ?? ''}" />
    ${selectField({ name: 'tag', id: 'f-tag-all', label: 'Tag every follower in this list with', value: '', choices: usable.map((t) => ({ value: String(t.id), label: t.name })) })}
    <div>
      <button type="submit" name="action" value="tag" class="secondary">Tag all</button>
      <button type="submit" name="action" value="untag" class="secondary">Untag all</button>
    </div>
  </form>`;
}

/** What a redirect's `done=` code says: fixed texts, so a crafted link cannot put words in the console. */
const DONE_TEXT: Record<string, string> = {
  tag: 'Tag added.',
  untag: 'Tag removed.',
  blacklist: 'Blocked: on the blacklist.',
  unblacklist: 'Unblocked.',
  queued: 'Sent to WeChat: the change shows here once WeChat has answered.',
  remark: 'Remark saved.',
  created: 'Tag created.',
  renamed: 'Tag renamed.',
  deleted: 'Tag deleted.',
};

/** `href` with a `done=` code for the page to confirm. */
export function withDone(href: string, code: string): string {
  return `${href}${href.includes('?') ? '&' : '?'}done=${code}`;
}

/** The confirmation of a redirect's `done=` code, if it is one of ours. */
export function doneFlash(ctx: Context): Flash | null {
  const code = ctx.query['done'];
  const text = typeof code === 'string' ? DONE_TEXT[code] : undefined;
  return text ? { kind: 'ok', text } : null;
}
