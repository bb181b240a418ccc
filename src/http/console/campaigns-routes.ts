import type { Router } from '@koa/router';
import type { Context } from 'koa';
import QRCode from 'qrcode';
import { MAX_QR_LABEL_LENGTH, type StoredQrCode } from '../../campaigns/qrcode-repo.js';
import { createAndKeepQrCode, normalizeQrLabel, QrLabelError } from '../../campaigns/qrcode-service.js';
import { InvalidCursorError } from '../../followers/follower-repo.js';
import type { SceneStats } from '../../followers/follower-repo.js';
import {
  MAX_QR_EXPIRE_SECONDS,
  QrCodeRequestError,
  qrCodeImageUrl,
  type QrCodeRequest,
} from '../../wechat-api/qrcode-request.js';
import { sendPage, viewOf, type ConsoleDeps } from './console-deps.js';
import { csrfInput, datalist, formString, inputField, type FieldErrors } from './form-fields.js';
import { formatDuration, timeTag } from './format-time.js';
import { html, type Html } from './html.js';
import { consolePage, type Flash } from './layout.js';
import { notFoundPage } from './not-found.js';
import { qrCodeList, qrPngHref } from './qrcode-views.js';
import { sceneChart } from './scene-chart.js';
import { consoleHref, type ViewContext } from './view-context.js';
import { wechatFlash } from './wechat-flash.js';

/** How long fetching a QR image from WeChat may take before the console gives up. */
const IMAGE_TIMEOUT_MS = 10_000;

/** Tickets are base64 (with + / =) of about 100 characters; anything far longer is not one. */
const TICKET = /^[A-Za-z0-9+/=_-]{1,512}$/;

/** Codes a page of the Campaigns list shows. */
const QR_PAGE = 20;

interface CampaignForm {
  scene: string;
  kind: 'temporary' | 'permanent';
  expire: string;
  label: string;
}

/**
 * Campaigns: create a parametric QR code for a scene (the image shown), every code created through wxoa
 * (labels, PNG download), and scans, follows and unfollows per scene as a table and a bar chart
 * (`sceneStats`). The QR image is fetched by the server and passed on, so the page needs no third-party
 * origin (and, in sandbox mode, the browser need not reach the simulator). Forms answer with a redirect
 * (Post/Redirect/Get): reloading the page after creating a code shows it again instead of spending quota.
 */
export function campaignsRoutes(router: Router, deps: ConsoleDeps): void {
  const blank: CampaignForm = {
    scene: '',
    kind: 'temporary',
    expire: String(MAX_QR_EXPIRE_SECONDS),
    label: '',
  };

  router.get('/admin/campaigns', async (ctx) => {
    const view = viewOf(ctx);
    const ticket = typeof ctx.query['created'] === 'string' ? ctx.query['created'] : '';
    const created = ticket ? await deps.wxoa.store.qrcodes.get(view.appid, ticket) : null;
    const flash: Flash | null = created
      ? { kind: 'ok', text: 'QR code created. It is kept below with every other code.' }
      : ctx.query['labelled'] === '1'
        ? { kind: 'ok', text: 'Label saved.' }
        : null;
    await renderCampaigns(ctx, deps, blank, {}, created, flash);
  });

  router.post('/admin/campaigns', async (ctx) => {
    const view = viewOf(ctx);
    const form: CampaignForm = {
      scene: formString(ctx.request.body, 'scene').trim(),
      kind: formString(ctx.request.body, 'kind') === 'permanent' ? 'permanent' : 'temporary',
      expire: formString(ctx.request.body, 'expire').trim(),
      label: formString(ctx.request.body, 'label'),
    };
    const errors: FieldErrors = {};
    if (form.scene === '') errors['scene'] = 'Name the scene: a word like "spring", or a number.';
    try {
      normalizeQrLabel(form.label);
    } catch (err) {
      if (!(err instanceof QrLabelError)) throw err;
      errors['label'] = `A label is at most ${MAX_QR_LABEL_LENGTH} characters.`;
    }
    let expireSeconds: number | undefined;
    if (form.kind === 'temporary') {
      expireSeconds = form.expire === '' ? MAX_QR_EXPIRE_SECONDS : Number(form.expire);
      if (!/^\d+$/.test(form.expire || '0') || !Number.isInteger(expireSeconds)) {
        errors['expire'] = `Give a whole number of seconds, 1 to ${MAX_QR_EXPIRE_SECONDS} (30 days).`;
      }
    }
    if (Object.keys(errors).length) return renderCampaigns(ctx, deps, form, errors, null, null, 400);

    // As `wxoa qrcode create` does: digits make a numeric scene (scene_id), anything else a string scene.
    const request: QrCodeRequest = {
      scene: /^\d+$/.test(form.scene) ? Number(form.scene) : form.scene,
      ...(form.kind === 'permanent' ? { permanent: true } : { expireSeconds: expireSeconds as number }),
    };
    const api = deps.wxoa.apiFor(view.appid);
    if (!api) throw new Error(`no WeChat API client for ${view.appid}`);
    let kept: StoredQrCode;
    try {
      ({ kept } = await createAndKeepQrCode({
        api,
        repo: deps.wxoa.store.qrcodes,
        appid: view.appid,
        request,
        label: form.label,
        clock: deps.clock,
        logger: deps.log,
      }));
    } catch (err) {
      if (err instanceof QrCodeRequestError) {
        return renderCampaigns(
          ctx,
          deps,
          form,
          { [err.field === 'expireSeconds' ? 'expire' : 'scene']: plainQrMessage(err.message) },
          null,
          null,
          400,
        );
      }
      const flash = wechatFlash(err, 'No QR code was created');
      if (!flash) throw err;
      return renderCampaigns(ctx, deps, form, {}, null, flash, 502);
    }
    // Post/Redirect/Get: a reload shows the code again instead of creating (and paying for) another.
    ctx.status = 303;
    ctx.redirect(consoleHref(view, '/admin/campaigns', { created: kept.ticket }) + '#qr-result');
  });

  router.post('/admin/campaigns/label', async (ctx) => {
    const view = viewOf(ctx);
    const ticket = formString(ctx.request.body, 'ticket');
    let label: string | null;
    try {
      label = normalizeQrLabel(formString(ctx.request.body, 'label'));
    } catch (err) {
      if (!(err instanceof QrLabelError)) throw err;
      return renderCampaigns(ctx, deps, blank, {}, null, { kind: 'error', text: err.message }, 400);
    }
    if (!(await deps.wxoa.store.qrcodes.setLabel(view.appid, ticket, label))) {
      return notFoundPage(ctx, view, 'No QR code of this account has this ticket.');
    }
    ctx.status = 303;
    ctx.redirect(consoleHref(view, '/admin/campaigns', { labelled: 1 }) + '#codes');
  });

  // A kept code as a PNG drawn from what it encodes (§6.5: `url` is the QR content), for print and posters.
  router.get('/admin/campaigns/qr.png', async (ctx) => {
    const view = viewOf(ctx);
    const ticket = typeof ctx.query['ticket'] === 'string' ? ctx.query['ticket'] : '';
    const code = ticket ? await deps.wxoa.store.qrcodes.get(view.appid, ticket) : null;
    if (!code || code.url === '')
      return notFoundPage(ctx, view, 'No QR code of this account has this ticket.');
    ctx.type = 'image/png';
    ctx.set('Cache-Control', 'private, max-age=3600');
    if (ctx.query['download'] === '1') {
      const name = (code.label ?? code.scene).replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 60) || 'code';
      ctx.set('Content-Disposition', `attachment; filename="qr-${name}.png"`);
    }
    ctx.body = await QRCode.toBuffer(code.url, {
      type: 'png',
      width: 512,
      margin: 4,
      errorCorrectionLevel: 'M',
    });
  });

  router.get('/admin/campaigns/qr', async (ctx) => {
    const ticket = typeof ctx.query['ticket'] === 'string' ? ctx.query['ticket'] : '';
    if (!TICKET.test(ticket)) {
      ctx.status = 400;
      ctx.body = 'bad ticket';
      return;
    }
    // Only ever the configured API base's showqrcode: the ticket is a query value, never a URL.
    const url = qrCodeImageUrl(ticket, deps.wxoa.config.apiBase);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(IMAGE_TIMEOUT_MS) });
      const type = res.headers.get('content-type') ?? '';
      if (!res.ok || !/^image\/(png|jpeg|gif|svg\+xml)\b/.test(type)) {
        ctx.status = res.status === 404 ? 404 : 502;
        ctx.body =
          res.status === 404 ? 'this QR code has expired or does not exist' : 'WeChat did not send an image';
        return;
      }
      ctx.type = type;
      ctx.set('Cache-Control', 'private, max-age=3600');
      // An SVG opened on its own could run script; the sandbox CSP keeps it inert whatever it contains.
      ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox");
      ctx.body = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      deps.log.warn({ err }, 'fetching a QR code image failed');
      ctx.status = 502;
      ctx.body = 'WeChat could not be reached';
    }
  });
}

async function renderCampaigns(
  ctx: Context,
  deps: ConsoleDeps,
  form: CampaignForm,
  errors: FieldErrors,
  created: StoredQrCode | null,
  flash: Flash | null,
  status = 200,
): Promise<void> {
  const view = viewOf(ctx);
  const cursor =
    typeof ctx.query['codes'] === 'string' && ctx.query['codes'] ? ctx.query['codes'] : undefined;
  const stats = await deps.wxoa.store.followers.sceneStats(view.appid);
  let codes;
  try {
    codes = await deps.wxoa.store.qrcodes.list({
      appid: view.appid,
      limit: QR_PAGE,
      ...(cursor ? { cursor } : {}),
    });
  } catch (err) {
    if (!(err instanceof InvalidCursorError)) throw err;
    return notFoundPage(
      ctx,
      view,
      'This page of QR codes is not valid any more; start again from the newest.',
    );
  }
  const body = html`<div class="grid two">
      <section class="card">
        <h2>New QR code</h2>
        ${createForm(view, form, errors, stats)}
      </section>
      <section class="card" id="qr-result">
        ${
          created
            ? createdCode(view, created)
            : html`<h2>QR code</h2>
                <p class="muted">
                  Create a code for a campaign scene: every follow and scan through it is counted under that
                  scene, below.
                </p>`
        }
      </section>
    </div>
    <section class="card" id="codes">
      <h2>QR codes</h2>
      ${qrCodeList(view, codes, cursor)}
    </section>
    <section class="card">
      <h2>Scenes</h2>
      ${stats.length ? html`${sceneChart(stats)}${statsTable(view, stats)}` : html`<p class="muted">No follows or scans through a QR code yet.</p>`}
    </section>`;
  sendPage(
    ctx,
    consolePage(view, {
      title: 'Campaigns',
      section: 'campaigns',
      flash,
      body,
    }),
    status,
  );
}

function createForm(
  view: ViewContext,
  form: CampaignForm,
  errors: FieldErrors,
  stats: readonly SceneStats[],
): Html {
  return html`<form method="post" class="stack" action="${consoleHref(view, '/admin/campaigns')}">
    ${csrfInput(view.session)}
    ${inputField({
      name: 'scene',
      label: 'Scene',
      value: form.scene,
      error: errors['scene'],
      maxlength: 64,
      list: 'known-scenes',
      hint: 'Up to 64 characters, or a number. Followers who scan it are recorded with this scene.',
    })}
    ${datalist(
      'known-scenes',
      stats.map((s) => s.scene),
    )}
    <div class="field">
      <span class="hint">Kind</span>
      <div class="choices">
        <label
          ><input
            type="radio"
            name="kind"
            value="temporary"
            ${form.kind === 'temporary' ? html` checked` : ''}
          />
          Temporary</label
        >
        <label
          ><input
            type="radio"
            name="kind"
            value="permanent"
            ${form.kind === 'permanent' ? html` checked` : ''}
          />
          Permanent (max 100 000 per account)</label
        >
      </div>
    </div>
    ${inputField({
      name: 'label',
      label: 'Label (optional)',
      value: form.label,
      error: errors['label'],
      maxlength: MAX_QR_LABEL_LENGTH,
      hint: 'Where the code goes, e.g. "poster at the door": shown in the list below.',
    })}
    ${inputField({
      name: 'expire',
      label: 'Expires after (seconds, temporary codes)',
      type: 'number',
      min: 1,
      max: MAX_QR_EXPIRE_SECONDS,
      value: form.expire,
      error: errors['expire'],
      hint: `At most ${MAX_QR_EXPIRE_SECONDS} (30 days).`,
    })}
    <div><button type="submit">Create QR code</button></div>
  </form>`;
}

function createdCode(view: ViewContext, code: StoredQrCode): Html {
  const image = consoleHref(view, '/admin/campaigns/qr', { ticket: code.ticket });
  const scene = code.scene;
  return html`<h2>QR code for “${scene}”</h2>
    <div class="qr">
      <img src="${image}" alt="QR code for scene ${scene}" width="220" height="220" />
      <dl class="props">
        <dt>Scene</dt>
        <dd data-field="scene">${scene}</dd>
        ${
          code.label
            ? html`<dt>Label</dt>
                <dd data-field="label">${code.label}</dd>`
            : ''
        }
        <dt>Expires</dt>
        <dd>
          ${code.expiresAt === null ? 'never (permanent)' : html`in ${formatDuration(code.expiresAt - view.now)} (${timeTag(Math.floor(code.expiresAt / 1000))})`}
        </dd>
        <dt>Ticket</dt>
        <dd class="mono small">${code.ticket}</dd>
        <dt>Encodes</dt>
        <dd class="mono small">${code.url}</dd>
        <dt>Image</dt>
        <dd class="small">
          <a href="${qrPngHref(view, code.ticket, true)}" download>Download PNG</a> ·
          <a href="${code.imageUrl}" rel="noreferrer">WeChat’s image URL</a>
        </dd>
      </dl>
    </div>
    ${view.sandbox ? html`<p><a class="button secondary" href="${consoleHref(view, '/admin/simulator', { scene })}">Try it: follow through this scene in the simulator</a></p>` : ''}`;
}

function statsTable(view: ViewContext, stats: readonly SceneStats[]): Html {
  const rows = stats.map(
    (s) =>
      html`<tr data-scene="${s.scene}">
        <td data-label="Scene">
          <a href="${consoleHref(view, '/admin/followers', { scene: s.scene })}">${s.scene}</a>
        </td>
        <td data-label="Scans" class="num">${s.scans}</td>
        <td data-label="Follows" class="num">${s.subscribes}</td>
        <td data-label="Unfollows" class="num">${s.unsubscribes}</td>
      </tr>`,
  );
  return html`<div class="table-wrap">
      <table class="stack" data-table="scenes">
        <thead>
          <tr>
            <th>Scene</th>
            <th class="num">Scans</th>
            <th class="num">Follows</th>
            <th class="num">Unfollows</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
    </div>
    <p class="hint">Unfollows count people who came through the scene and later left.</p>`;
}

/**
 * A QR code request's problem in the console's words: the validator speaks the API's field names
 * (`expireSeconds`, shared with the admin API and the CLI), the form has labels.
 */
export function plainQrMessage(message: string): string {
  const plain = message
    .replace(/\bexpireSeconds\b/g, 'Expiry (seconds)')
    .replace(/\bpermanent must be\b/g, 'Permanent must be');
  return plain.charAt(0).toUpperCase() + plain.slice(1);
}
