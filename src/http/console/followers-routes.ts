import { PassThrough } from 'node:stream';
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { exportFollowers } from '../../followers/export.js';
import { InvalidCursorError } from '../../followers/follower-repo.js';
import type { Follower, FollowerEvent } from '../../followers/follower.js';
import type {
  FollowerCounts,
  FollowerFilter,
  FollowerQuery,
  FollowerSort,
  UnionIdConflict,
} from '../../followers/follower-repo.js';
import { subscribeSceneLabel } from '../../followers/subscribe-scene.js';
import { sendPage, viewOf, type ConsoleDeps } from './console-deps.js';
import { replyForm } from './conversation-views.js';
import { inputField, selectField, type FieldErrors } from './form-fields.js';
import { timeTag } from './format-time.js';
import { html, type Html } from './html.js';
import { consolePage, type Flash } from './layout.js';
import { liveRegion, sendLive } from './live-region.js';
import { conversationPanel, loadConversation } from './load-conversation.js';
import { notFoundPage } from './not-found.js';
import { syncStatusLine } from './sync-status-line.js';
import { doneFlash, followerManagementCard, tagAllForm } from './tag-views.js';
import { consoleHref, segment, type ViewContext } from './view-context.js';
import type { Identity } from '../../identities/identity.js';
import { unionidReason, type UnionidReason } from '../../identities/unionid-reason.js';
import { identityHead, identityRow } from './identity-views.js';

/** Followers shown per page. */
export const FOLLOWERS_PAGE_SIZE = 25;

const MAX_SEARCH = 128;
const MAX_SCENE = 64;

/**
 * The Followers page (search by openid/unionid/scene, subscribed filter, keyset paging) and a follower's
 * record: profile, UnionID identities across accounts, event history and the conversation.
 */
export function followersRoutes(router: Router, deps: ConsoleDeps): void {
  router.get('/admin/followers', async (ctx) => {
    const view = viewOf(ctx);
    const { filters, errors } = readFilters(ctx);
    const cursor = queryString(ctx, 'cursor');

    let flash: Flash | null = null;
    let page: { followers: Follower[]; nextCursor: string | null } = { followers: [], nextCursor: null };
    if (Object.keys(errors).length === 0) {
      const query: FollowerQuery = {
        appid: view.appid,
        limit: FOLLOWERS_PAGE_SIZE,
        sort: filters.sort,
        ...storeFilter(filters),
      };
      if (cursor) query.cursor = cursor;
      try {
        page = await deps.wxoa.store.followers.list(query);
      } catch (err) {
        if (!(err instanceof InvalidCursorError)) throw err;
        flash = {
          kind: 'error',
          text: 'That page link is no longer valid: the list starts again from the top.',
        };
        delete query.cursor;
        page = await deps.wxoa.store.followers.list(query);
      }
    }
    // Kept by the store as followers change: no count over a million rows on every view.
    const counts = await deps.wxoa.store.followers.counts(view.appid);
    const params = {
      q: filters.q,
      scene: filters.scene,
      subscribed: filters.subscribed,
      sort: filters.sortParam,
      tag: filters.tag,
      blocked: filters.blocked,
    };
    const exportLink =
      Object.keys(errors).length === 0
        ? html`<a
            class="button secondary"
            data-export
            href="${consoleHref(view, '/admin/followers/export.csv', { q: filters.q, scene: filters.scene, subscribed: filters.subscribed, tag: filters.tag, blocked: filters.blocked })}"
            download
            >Export CSV</a
          >`
        : '';
    const tagList = await deps.wxoa.followerAdmin.storedTags(view.appid);
    const [lastSync] = await deps.wxoa.store.syncRuns.recent(view.appid, 1);
    const syncLine = syncStatusLine(
      lastSync ?? null,
      deps.wxoa.config.syncIntervalSeconds,
      deps.wxoa.clock(),
    );
    const body = html`${syncLine}
      <section class="card">${filterForm(view, filters, errors, tagList)}</section>
      <section class="card">
        ${countsLine(view, counts)} ${followerTable(view, page.followers, filters)}
        <div class="pager">
          ${cursor ? html`<a class="button secondary" href="${consoleHref(view, '/admin/followers', params)}">← First page</a>` : ''}
          ${page.nextCursor ? html`<a class="button secondary" rel="next" href="${consoleHref(view, '/admin/followers', { ...params, cursor: page.nextCursor })}">Next page →</a>` : ''}
          ${exportLink}
        </div>
        ${filters.q || Object.keys(errors).length ? '' : tagAllForm(view, filters, tagList)}
      </section>`;
    sendPage(
      ctx,
      consolePage(view, { title: 'Followers', section: 'followers', flash, body }),
      Object.keys(errors).length ? 400 : 200,
    );
  });

  // Before `/admin/followers/:openid`, which would take "export.csv" for an OpenID.
  router.get('/admin/followers/export.csv', async (ctx) => {
    const view = viewOf(ctx);
    const { filters, errors } = readFilters(ctx);
    const problems = Object.values(errors);
    if (problems.length) {
      ctx.status = 400;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `Not exported: ${problems.join(' ')}\n`;
      return;
    }
    // Streamed as it is read (keyset pages, backpressure): a million rows never sit in memory. The same
    // filters as the page, in OpenID order; the CSV of `wxoa followers export`.
    const out = new PassThrough();
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set('Content-Disposition', `attachment; filename="followers-${view.appid}.csv"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = out;
    exportFollowers(deps.wxoa.store.followers, {
      format: 'csv',
      appid: view.appid,
      filter: storeFilter(filters),
      out,
      tagNames: async (appid) =>
        new Map((await deps.wxoa.followerAdmin.storedTags(appid)).map((t) => [t.id, t.name])),
    }).then(
      () => out.end(),
      (err: unknown) => {
        // Headers are gone: cutting the stream short is how the browser learns the file is incomplete. Koa
        // destroys `out` when the browser goes away (a cancelled download), which ends the export here too.
        deps.log.info({ err }, 'console follower export stopped before the end');
        out.destroy(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });

  router.get('/admin/followers/:openid', async (ctx) => {
    await renderFollowerPage(ctx, deps, ctx.params['openid'] ?? '', {});
  });

  router.get('/admin/live/followers/:openid', async (ctx) => {
    const view = viewOf(ctx);
    const record = await loadRecord(deps, view.appid, ctx.params['openid'] ?? '');
    if (!record.follower) return notFoundPage(ctx, view);
    sendLive(
      ctx,
      recordPanel(view, record.follower, record.identities, record.events, record.conflicts, record.reason),
    );
  });
}

/** What the reply box shows again after a refused send. */
export interface ReplyState {
  value?: string;
  error?: string;
  flash?: Flash;
  status?: number;
}

/** The follower record page; the conversation route renders it again when a reply from it fails. */
export async function renderFollowerPage(
  ctx: Context,
  deps: ConsoleDeps,
  openid: string,
  reply: ReplyState,
): Promise<void> {
  const view = viewOf(ctx);
  const record = await loadRecord(deps, view.appid, openid);
  if (!record.follower) return notFoundPage(ctx, view, 'No follower of this account has this OpenID.');
  const conversation = await loadConversation(deps.wxoa.store, view.appid, openid, view.now);
  const sent = ctx.query['sent'] === '1' && !reply.error;
  const body = html`<div class="grid side">
    <div>
      <section class="card">
        ${liveRegion(consoleHref(view, `/admin/live/followers/${segment(openid)}`), recordPanel(view, record.follower, record.identities, record.events, record.conflicts, record.reason))}
      </section>
      ${followerManagementCard(view, record.follower, await deps.wxoa.followerAdmin.storedTags(view.appid))}
    </div>
    <section class="card" id="conversation">
      <h2>Conversation</h2>
      ${liveRegion(consoleHref(view, `/admin/live/conversations/${segment(openid)}`), conversationPanel(conversation, view.now))}
      ${replyForm(view, openid, {
        value: reply.value ?? '',
        error: reply.error,
        back: 'follower',
        window: conversation.window,
        sent,
      })}
      <p class="small">
        <a href="${consoleHref(view, `/admin/conversations/${segment(openid)}`)}">Open in the inbox view</a>
      </p>
    </section>
  </div>`;
  const flash = reply.flash ?? (sent ? { kind: 'ok' as const, text: 'Reply sent.' } : null) ?? doneFlash(ctx);
  sendPage(
    ctx,
    consolePage(view, { title: 'Follower', section: 'followers', flash, body }),
    reply.status ?? 200,
  );
}

async function loadRecord(deps: ConsoleDeps, appid: string, openid: string) {
  const { followers, identities: people } = deps.wxoa.store;
  const follower = await followers.get(appid, openid);
  if (!follower) return { follower: null, identities: [], events: [], conflicts: [], reason: null };
  const [identities, events, conflicts, bound] = await Promise.all([
    // The person across every app of the Open Platform (issue 12), not only the Official Accounts.
    follower.unionid ? people.union(follower.unionid) : Promise.resolve([]),
    followers.events(appid, openid),
    followers.unionIdConflicts(appid, openid),
    follower.unionid ? Promise.resolve(null) : people.appsWithUnionid([appid]),
  ]);
  const reason =
    bound === null
      ? null
      : unionidReason(
          { unionid: null, source: 'follower', scope: null, subscribed: follower.subscribed },
          bound.has(appid),
        );
  return { follower, identities, events, conflicts, reason };
}

/** Profile, identities and history: refreshed live, because enrichment fills them in after the follow. */
function recordPanel(
  view: ViewContext,
  f: Follower,
  identities: readonly Identity[],
  events: readonly FollowerEvent[],
  conflicts: readonly UnionIdConflict[],
  reason: UnionidReason | null,
): Html {
  // With the API failing, "waiting" would wait forever: say why instead (the strip above has the details).
  const waiting = view.apiFailure
    ? html`<span class="tag red" data-pending>not fetched: the WeChat API is failing (see above)</span>`
    : html`<span class="tag amber" data-pending>waiting for WeChat…</span>`;
  const profile = html`<h2>Profile</h2>
    <dl class="props">
      <dt>OpenID</dt>
      <dd class="mono" data-field="openid">${f.openid}</dd>
      <dt>UnionID</dt>
      <dd class="mono" data-field="unionid">
        ${f.unionid ?? (f.enrichedAt || !f.subscribed ? html`<span class="muted" data-unionid-reason="${reason?.code ?? ''}">none: ${reason?.message ?? 'WeChat has not told it'}</span>` : waiting)}
        ${conflicts.length ? html` <span class="tag amber" data-conflict>conflict</span>` : ''}
      </dd>
      <dt>Status</dt>
      <dd data-field="status">
        ${f.subscribed ? html`<span class="tag green">following</span>` : html`<span class="tag red">unfollowed</span>`}
      </dd>
      <dt>Followed</dt>
      <dd>${timeTag(f.subscribeTime)}</dd>
      ${
        // After a re-follow the old unfollow is history (below), not the status.
        f.unsubscribeTime !== null && !f.subscribed
          ? html`<dt>Unfollowed</dt>
              <dd>${timeTag(f.unsubscribeTime)}</dd>`
          : ''
      }
      <dt>Scene</dt>
      <dd data-field="scene">${f.scene ?? html`<span class="muted">none (not through a QR code)</span>`}</dd>
      <dt>How they came</dt>
      <dd data-field="subscribe-scene">
        ${f.subscribeScene ? cameThrough(f) : f.enrichedAt ? '—' : waiting}${
          f.qrSceneStr || f.qrScene
            ? html` <span class="muted small">(QR ${f.qrSceneStr || String(f.qrScene)})</span>`
            : ''
        }
      </dd>
      <dt>Tags</dt>
      <dd>
        ${f.tags.length ? f.tags.map((t) => html`<span class="tag">${t}</span> `) : html`<span class="muted">none</span>`}
      </dd>
      <dt>Remark</dt>
      <dd data-field="remark">${f.remark || html`<span class="muted">none</span>`}</dd>
      <dt>Language</dt>
      <dd>${f.language ?? '—'}</dd>
      <dt>Profile from WeChat</dt>
      <dd data-field="enriched">${f.enrichedAt ? html`fetched ${isoTime(f.enrichedAt)}` : waiting}</dd>
    </dl>`;
  const others = identities.map((i) => identityRow(view, i, { appid: view.appid, openid: f.openid }));
  const unions = f.unionid
    ? html`<h2>Same person elsewhere (UnionID)</h2>
        <div class="table-wrap">
          <table class="stack" data-table="identities">
            <thead>
              ${identityHead()}
            </thead>
            <tbody>
              ${others}
            </tbody>
          </table>
        </div>`
    : '';
  const history = events.map(
    (e) =>
      html`<tr>
        <td data-label="When">${timeTag(e.createTime)}</td>
        <td data-label="Event">${EVENT_LABEL[e.type] ?? e.type}</td>
        <td data-label="Scene">${e.scene ?? html`<span class="muted">—</span>`}</td>
      </tr>`,
  );
  const eventsTable = html`<h2>History</h2>
    ${
      events.length
        ? html`<div class="table-wrap">
            <table class="stack" data-table="events">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Event</th>
                  <th>Scene</th>
                </tr>
              </thead>
              <tbody>
                ${history}
              </tbody>
            </table>
          </div>`
        : html`<p class="muted">No follow, scan or unfollow recorded (the follower may come from a sync).</p>`
    }`;
  return html`${profile}${conflictPanel(conflicts)}${unions}${eventsTable}`;
}

/** WeChat reported other UnionIDs for this OpenID: the first is kept, the others listed for a human. */
function conflictPanel(conflicts: readonly UnionIdConflict[]): Html | string {
  if (conflicts.length === 0) return '';
  const rows = conflicts.map(
    (c) =>
      html`<tr>
        <td data-label="Reported UnionID" class="mono">${c.reportedUnionid}</td>
        <td data-label="By">${c.source === 'oauth' ? 'web sign-in (OAuth)' : 'user/info'}</td>
        <td data-label="First seen">${isoTime(c.firstSeenAt)}</td>
        <td data-label="Last seen">
          ${isoTime(c.lastSeenAt)}${c.times > 1 ? html` <span class="muted small">(${c.times} times)</span>` : ''}
        </td>
      </tr>`,
  );
  return html`<div class="flash warn" role="alert" data-panel="unionid-conflict">
      <strong>UnionID conflict.</strong> WeChat reported a different UnionID for this OpenID, which should
      never happen. wxoa keeps the first one (<span class="mono">${conflicts[0]?.keptUnionid ?? ''}</span>)
      and shows every other value here; check the account's Open Platform binding.
    </div>
    <div class="table-wrap">
      <table class="stack" data-table="unionid-conflicts">
        <thead>
          <tr>
            <th>Reported UnionID</th>
            <th>By</th>
            <th>First seen</th>
            <th>Last seen</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
    </div>`;
}

const EVENT_LABEL: Record<string, string> = {
  subscribe: 'followed',
  unsubscribe: 'unfollowed',
  scan: 'scanned a QR code',
};

/** The Followers page's filters as the query string has them. */
interface Filters {
  q: string;
  scene: string;
  subscribed: string;
  sort: FollowerSort;
  /** `sort` as the query had it ('' for the page's default, newest first). */
  sortParam: string;
  /** A tag id ('' for any). */
  tag: string;
  /** '', 'yes' (blocked) or 'no'. */
  blocked: string;
}

const SORT_CHOICES: ReadonlyArray<{ value: string; sort: FollowerSort; label: string }> = [
  { value: '', sort: 'newest', label: 'Newest follow first' },
  { value: 'oldest', sort: 'oldest', label: 'Oldest follow first' },
  { value: 'openid', sort: 'openid', label: 'OpenID' },
];

function readFilters(ctx: Context): { filters: Filters; errors: FieldErrors } {
  const q = queryString(ctx, 'q').trim();
  const scene = queryString(ctx, 'scene').trim();
  const subscribed = queryString(ctx, 'subscribed');
  const sortParam = queryString(ctx, 'sort');
  const errors: FieldErrors = {};
  if (q.length > MAX_SEARCH) errors['q'] = `An OpenID or UnionID is at most ${MAX_SEARCH} characters.`;
  if (scene.length > MAX_SCENE) errors['scene'] = `A scene is at most ${MAX_SCENE} characters.`;
  if (!['', 'yes', 'no'].includes(subscribed)) errors['subscribed'] = 'Choose any, following or unfollowed.';
  const choice = SORT_CHOICES.find((c) => c.value === sortParam);
  if (!choice) errors['sort'] = 'Choose newest follow first, oldest follow first or OpenID.';
  const tag = queryString(ctx, 'tag');
  if (tag && !/^\d{1,10}$/.test(tag)) errors['tag'] = 'Choose a tag.';
  const blocked = queryString(ctx, 'blocked');
  if (!['', 'yes', 'no'].includes(blocked)) errors['blocked'] = 'Choose any, blocked or not blocked.';
  return {
    filters: { q, scene, subscribed, sort: choice?.sort ?? 'newest', sortParam, tag, blocked },
    errors,
  };
}

function storeFilter(filters: Filters): FollowerFilter {
  const filter: FollowerFilter = {};
  if (filters.q) filter.search = filters.q;
  if (filters.scene) filter.scene = filters.scene;
  if (filters.subscribed) filter.subscribed = filters.subscribed === 'yes';
  if (/^\d+$/.test(filters.tag)) filter.tag = Number(filters.tag);
  if (filters.blocked) filter.blacklisted = filters.blocked === 'yes';
  return filter;
}

/** The account's followers counted, each number a link to the list it counts. */
function countsLine(view: ViewContext, counts: FollowerCounts): Html {
  const n = (value: number) => value.toLocaleString('en-US');
  return html`<p class="counts" data-counts>
    <a href="${consoleHref(view, '/admin/followers')}"
      ><strong data-count="total">${n(counts.total)}</strong>
      ${counts.total === 1 ? 'follower' : 'followers'}</a
    >
    ·
    <a href="${consoleHref(view, '/admin/followers', { subscribed: 'yes' })}"
      ><strong data-count="following">${n(counts.subscribed)}</strong> following</a
    >
    ·
    <a href="${consoleHref(view, '/admin/followers', { subscribed: 'no' })}"
      ><strong data-count="unfollowed">${n(counts.unsubscribed)}</strong> not following</a
    >
  </p>`;
}

function filterForm(
  view: ViewContext,
  filters: Filters,
  errors: FieldErrors,
  tags: ReadonlyArray<{ id: number; name: string }>,
): Html {
  return html`<form method="get" action="/admin/followers" class="inline" role="search">
    ${view.appid !== view.primaryAppid ? html`<input type="hidden" name="appid" value="${view.appid}" />` : ''}
    ${inputField({ name: 'q', label: 'OpenID or UnionID', type: 'search', value: filters.q, error: errors['q'], placeholder: 'o… (the first characters)' })}
    ${inputField({ name: 'scene', label: 'QR scene', value: filters.scene, error: errors['scene'], placeholder: 'e.g. spring' })}
    ${selectField({
      name: 'subscribed',
      label: 'Status',
      value: filters.subscribed,
      error: errors['subscribed'],
      choices: [
        { value: '', label: 'Any' },
        { value: 'yes', label: 'Following' },
        { value: 'no', label: 'Unfollowed' },
      ],
    })}
    ${selectField({
      name: 'tag',
      label: 'Tag',
      value: filters.tag,
      error: errors['tag'],
      choices: [{ value: '', label: 'Any' }, ...tags.map((t) => ({ value: String(t.id), label: t.name }))],
    })}
    ${selectField({
      name: 'blocked',
      label: 'Blacklist',
      value: filters.blocked,
      error: errors['blocked'],
      choices: [
        { value: '', label: 'Any' },
        { value: 'yes', label: 'Blocked' },
        { value: 'no', label: 'Not blocked' },
      ],
    })}
    ${selectField({
      name: 'sort',
      label: 'Order',
      value: filters.sortParam,
      error: errors['sort'],
      choices: SORT_CHOICES.map((c) => ({ value: c.value, label: c.label })),
    })}
    <div><button type="submit">Search</button></div>
  </form>`;
}

function followerTable(view: ViewContext, followers: readonly Follower[], filters: Filters): Html {
  if (followers.length === 0) {
    const filtered = filters.q || filters.scene || filters.subscribed || filters.tag || filters.blocked;
    return html`<p class="muted">
      ${filtered ? 'No follower matches these filters.' : html`No followers yet. They appear here as people follow the account (or after <code>wxoa sync</code>).`}
    </p>`;
  }
  const rows = followers.map(
    (f) =>
      html`<tr data-openid="${f.openid}">
        <td data-label="OpenID">
          <a class="mono" href="${consoleHref(view, `/admin/followers/${segment(f.openid)}`)}">${f.openid}</a>
        </td>
        <td data-label="UnionID" class="mono">
          ${f.unionid ?? html`<span class="muted">${f.enrichedAt ? '—' : 'pending'}</span>`}
        </td>
        <td data-label="Status">
          ${f.subscribed ? html`<span class="tag green">following</span>` : html`<span class="tag red">unfollowed</span>`}
        </td>
        <td data-label="Came through" data-field="subscribe-scene">${cameThrough(f)}</td>
        <td data-label="Scene">${f.scene ?? html`<span class="muted">—</span>`}</td>
        <td data-label="Followed">${timeTag(f.subscribeTime)}</td>
        <td data-label="Remark">${f.remark}</td>
      </tr>`,
  );
  return html`<div class="table-wrap">
    <table class="stack" data-table="followers">
      <thead>
        <tr>
          <th>OpenID</th>
          <th>UnionID</th>
          <th>Status</th>
          <th>Came through</th>
          <th>Scene</th>
          <th>Followed</th>
          <th>Remark</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}

/** How the person came (WeChat's subscribe_scene) in words, WeChat's own value kept in the title. */
function cameThrough(f: Follower): Html {
  if (!f.subscribeScene) return html`<span class="muted">—</span>`;
  return html`<span title="${f.subscribeScene}">${subscribeSceneLabel(f.subscribeScene)}</span>`;
}

function isoTime(iso: string): Html {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? html`${iso}` : timeTag(Math.floor(ms / 1000));
}

/** A query parameter as one string: '' when absent or repeated (a repeated filter is not a filter). */
function queryString(ctx: Context, name: string): string {
  const value = ctx.query[name];
  return typeof value === 'string' ? value : '';
}
