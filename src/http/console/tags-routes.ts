import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { FollowerJobView } from '../../followers/follower-admin.js';
import type { FollowerJobFilter, FollowerJobKind } from '../../followers/follower-job.js';
import type { LocalTag } from '../../followers/tag-repo.js';
import { FollowerAdminError } from '../../followers/tag-rules.js';
import { sendPage, viewOf, type ConsoleDeps } from './console-deps.js';
import { csrfInput, formString, inputField } from './form-fields.js';
import { html, type Html } from './html.js';
import { consolePage, type Flash } from './layout.js';
import { liveRegion, sendLive } from './live-region.js';
import { notFoundPage } from './not-found.js';
import { consoleHref, segment } from './view-context.js';
import { doneFlash, withDone } from './tag-views.js';
import { renderFollowerPage } from './followers-routes.js';

/** How long a one-follower change (a tag chip, block) waits for its job before the page is shown again. */
const ONE_FOLLOWER_WAIT_MS = 5_000;

/**
 * Issue 14 in the console: the Tags page (counts, create, rename, delete), a follower's tags, remark and
 * block button, "tag every follower in this list" from the Followers search, and a job's live progress.
 */
export function tagsRoutes(router: Router, deps: ConsoleDeps): void {
  const admin = () => deps.wxoa.followerAdmin;

  router.get('/admin/tags', async (ctx) => {
    await renderTagsPage(ctx, deps, doneFlash(ctx));
  });

  router.post('/admin/tags', async (ctx) => {
    const view = viewOf(ctx);
    const name = formString(ctx.request.body, 'name').trim();
    await attempt(ctx, deps, () => admin().createTag(view.appid, name), 'created');
  });

  router.post('/admin/tags/:id/rename', async (ctx) => {
    const view = viewOf(ctx);
    const name = formString(ctx.request.body, 'name').trim();
    await attempt(ctx, deps, () => admin().renameTag(view.appid, tagParam(ctx), name), 'renamed');
  });

  router.post('/admin/tags/:id/delete', async (ctx) => {
    const view = viewOf(ctx);
    await attempt(ctx, deps, () => admin().deleteTag(view.appid, tagParam(ctx)), 'deleted');
  });

  // One follower: tag, untag, block, unblock (a job of one, waited for), and the remark.
  for (const [path, kind] of [
    ['tag', 'tag'],
    ['untag', 'untag'],
    ['block', 'blacklist'],
    ['unblock', 'unblacklist'],
  ] as const) {
    router.post(`/admin/followers/:openid/${path}`, async (ctx) => {
      const view = viewOf(ctx);
      const openid = ctx.params['openid'] ?? '';
      const back = consoleHref(view, `/admin/followers/${segment(openid)}`);
      const tag = Number(formString(ctx.request.body, 'tag'));
      try {
        const job = await admin().startJob(view.appid, kind, {
          ...(kind === 'tag' || kind === 'untag' ? { tagId: tag } : {}),
          openids: [openid],
        });
        const done = await waitForJob(deps, job.id, ONE_FOLLOWER_WAIT_MS);
        const failure = done?.failed[0]?.error ?? (done?.state === 'failed' ? done.error : null);
        if (failure)
          return await renderFollowerPage(ctx, deps, openid, {
            flash: { kind: 'error', text: failure },
            status: 400,
          });
        ctx.status = 303;
        ctx.redirect(withDone(back, done?.state === 'done' ? kind : 'queued'));
      } catch (err) {
        if (!(err instanceof FollowerAdminError)) throw err;
        await renderFollowerPage(ctx, deps, openid, {
          flash: { kind: 'error', text: err.message },
          status: 400,
        });
      }
    });
  }

  router.post('/admin/followers/:openid/remark', async (ctx) => {
    const view = viewOf(ctx);
    const openid = ctx.params['openid'] ?? '';
    const back = consoleHref(view, `/admin/followers/${segment(openid)}`);
    const remark = formString(ctx.request.body, 'remark');
    try {
      await admin().setRemark(view.appid, openid, remark);
    } catch (err) {
      if (!(err instanceof FollowerAdminError)) throw err;
      return renderFollowerPage(ctx, deps, openid, {
        flash: { kind: 'error', text: err.message },
        status: 400,
      });
    }
    ctx.status = 303;
    ctx.redirect(withDone(back, 'remark'));
  });

  // "Tag every follower in this list": a job over the Followers search's filter.
  router.post('/admin/followers/tag-all', async (ctx) => {
    const view = viewOf(ctx);
    const body = ctx.request.body;
    const filter: FollowerJobFilter = {};
    const scene = formString(body, 'scene').trim();
    if (scene) filter.scene = scene;
    const subscribed = formString(body, 'subscribed');
    if (subscribed === 'yes' || subscribed === 'no') filter.subscribed = subscribed === 'yes';
    const withTag = formString(body, 'withTag');
    if (/^\d+$/.test(withTag)) filter.tag = Number(withTag);
    const kind: FollowerJobKind = formString(body, 'action') === 'untag' ? 'untag' : 'tag';
    let job: FollowerJobView;
    try {
      job = await admin().startJob(view.appid, kind, { tagId: Number(formString(body, 'tag')), filter });
    } catch (err) {
      if (!(err instanceof FollowerAdminError)) throw err;
      return renderTagsPage(ctx, deps, { kind: 'error', text: err.message }, 400);
    }
    ctx.status = 303;
    ctx.redirect(consoleHref(view, `/admin/jobs/${job.id}`));
  });

  router.get('/admin/jobs/:id', async (ctx) => {
    const view = viewOf(ctx);
    const job = await jobParam(ctx, deps);
    if (!job) return notFoundPage(ctx, view, 'No job has this number.');
    const tags = await admin().storedTags(view.appid);
    const body = html`<section class="card">
      <h2>Job ${job.id}</h2>
      ${liveRegion(consoleHref(view, `/admin/live/jobs/${job.id}`), jobPanel(job, tags), 1000)}
      <p>
        <a href="${consoleHref(view, '/admin/tags')}">Tags</a> ·
        <a href="${consoleHref(view, '/admin/followers')}">Followers</a>
      </p>
    </section>`;
    sendPage(ctx, consolePage(view, { title: `Job ${job.id}`, section: 'tags', body }));
  });

  router.get('/admin/live/jobs/:id', async (ctx) => {
    const view = viewOf(ctx);
    const job = await jobParam(ctx, deps);
    if (!job) return notFoundPage(ctx, view);
    sendLive(ctx, jobPanel(job, await admin().storedTags(view.appid)));
  });
}

/** The Tags page. */
async function renderTagsPage(
  ctx: Context,
  deps: ConsoleDeps,
  flash: Flash | null,
  status = 200,
): Promise<void> {
  const view = viewOf(ctx);
  let tags: LocalTag[];
  let note: Flash | null = flash;
  try {
    tags = await deps.wxoa.followerAdmin.listTags(view.appid);
  } catch (err) {
    deps.log.warn({ err }, 'could not list the tags from WeChat');
    tags = await deps.wxoa.followerAdmin.storedTags(view.appid);
    note ??= {
      kind: 'warn',
      text: 'WeChat could not be asked for the tags: the list below is the last one seen.',
    };
  }
  const rows = tags.map((t) => {
    const reserved = t.id <= 2;
    return html`<tr data-tag="${t.id}">
      <td data-label="Id" class="mono">${t.id}</td>
      <td data-label="Name" data-field="name">${t.name}</td>
      <td data-label="Followers" data-field="count">
        <a href="${consoleHref(view, '/admin/followers', { tag: t.id })}"
          >${t.count.toLocaleString('en-US')}</a
        >
      </td>
      <td data-label="">
        ${
          reserved
            ? html`<span class="muted small">WeChat’s own</span>`
            : html`<form
                  method="post"
                  action="${consoleHref(view, `/admin/tags/${t.id}/rename`)}"
                  class="inline"
                >
                  ${csrfInput(view.session)}
                  <input
                    name="name"
                    aria-label="New name for ${t.name}"
                    value="${t.name}"
                    maxlength="30"
                    required
                  />
                  <button type="submit" class="secondary">Rename</button>
                </form>
                <form
                  method="post"
                  action="${consoleHref(view, `/admin/tags/${t.id}/delete`)}"
                  class="inline"
                >
                  ${csrfInput(view.session)}
                  <button
                    type="submit"
                    class="secondary"
                    data-confirm="Delete the tag ${t.name} from every follower?"
                  >
                    Delete
                  </button>
                </form>`
        }
      </td>
    </tr>`;
  });
  const body = html`<section class="card">
      <h2>Tags</h2>
      <p class="muted small">WeChat allows 100 tags an account (its own included) and 20 a follower.</p>
      <div class="table-wrap">
        <table class="stack" data-table="tags">
          <thead>
            <tr>
              <th>Id</th>
              <th>Name</th>
              <th>Followers</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${rows}
          </tbody>
        </table>
      </div>
    </section>
    <section class="card">
      <h2>New tag</h2>
      <form method="post" action="${consoleHref(view, '/admin/tags')}" class="inline">
        ${csrfInput(view.session)}
        ${inputField({ name: 'name', label: 'Name', value: '', placeholder: 'at most 30 characters' })}
        <div><button type="submit">Create</button></div>
      </form>
    </section>`;
  sendPage(ctx, consolePage(view, { title: 'Tags', section: 'tags', flash: note, body }), status);
}

async function attempt(
  ctx: Context,
  deps: ConsoleDeps,
  action: () => Promise<unknown>,
  ok: string,
): Promise<void> {
  const view = viewOf(ctx);
  try {
    await action();
  } catch (err) {
    if (!(err instanceof FollowerAdminError)) throw err;
    return renderTagsPage(ctx, deps, { kind: 'error', text: err.message }, 400);
  }
  ctx.status = 303;
  ctx.redirect(withDone(consoleHref(view, '/admin/tags'), ok));
}

/** A job's progress and the followers WeChat refused. */
function jobPanel(job: FollowerJobView, tags: readonly LocalTag[]): Html {
  const settled = job.done + job.failed.length;
  const percent = job.total > 0 ? Math.min(100, Math.round((settled / job.total) * 100)) : 100;
  const tagName =
    job.tagId === null ? '' : (tags.find((t) => t.id === job.tagId)?.name ?? `tag ${job.tagId}`);
  const what = {
    tag: `Tagging with “${tagName}”`,
    untag: `Removing “${tagName}”`,
    blacklist: 'Blocking',
    unblacklist: 'Unblocking',
  }[job.kind];
  const failures = job.failed.slice(0, 200).map(
    (f) =>
      html`<tr>
        <td class="mono" data-label="OpenID">${f.openid}</td>
        <td data-label="Why">${f.error}</td>
      </tr>`,
  );
  return html`<p>${what}: <strong data-job-state="${job.state}">${job.state}</strong></p>
    <progress max="${Math.max(job.total, 1)}" value="${settled}" aria-label="progress">${percent}%</progress>
    <p data-job-progress>
      <span data-count="settled">${settled}</span> of <span data-count="total">${job.total}</span> ·
      <span data-count="done">${job.done}</span> done ·
      <span data-count="failed">${job.failed.length}</span> refused by WeChat
    </p>
    ${job.error ? html`<p class="flash ${job.state === 'failed' ? 'error' : 'warn'}">${job.error}</p>` : ''}
    ${
      failures.length
        ? html`<div class="table-wrap">
            <table class="stack" data-table="job-failures">
              <thead>
                <tr>
                  <th>OpenID</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                ${failures}
              </tbody>
            </table>
          </div>`
        : ''
    }`;
}

async function waitForJob(deps: ConsoleDeps, id: number, timeoutMs: number): Promise<FollowerJobView | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await deps.wxoa.followerAdmin.job(id);
    if (!job || job.state === 'done' || job.state === 'failed' || Date.now() > deadline) return job;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function jobParam(ctx: Context, deps: ConsoleDeps): Promise<FollowerJobView | null> {
  const raw = ctx.params['id'] ?? '';
  if (!/^\d{1,15}$/.test(raw)) return null;
  const job = await deps.wxoa.followerAdmin.job(Number(raw));
  return job && job.appid === viewOf(ctx).appid ? job : null;
}

function tagParam(ctx: Context): number {
  const raw = ctx.params['id'] ?? '';
  return /^\d{1,10}$/.test(raw) ? Number(raw) : -1;
}
