import { MAX_QR_LABEL_LENGTH, type StoredQrCode } from '../../campaigns/qrcode-repo.js';
import { csrfInput } from './form-fields.js';
import { formatDuration, timeTag } from './format-time.js';
import { html, type Html } from './html.js';
import { consoleHref, type ViewContext } from './view-context.js';

/** The PNG of a kept code, drawn here from what it encodes (§6.5 `url`): no call to WeChat. */
export function qrPngHref(view: ViewContext, ticket: string, download = false): string {
  return consoleHref(view, '/admin/campaigns/qr.png', { ticket, ...(download ? { download: 1 } : {}) });
}

/** Every QR code created through wxoa, newest first: label (editable), scene, expiry, PNG download; paged. */
export function qrCodeList(
  view: ViewContext,
  page: { qrcodes: readonly StoredQrCode[]; nextCursor: string | null },
  cursor: string | undefined,
): Html {
  if (page.qrcodes.length === 0) {
    return cursor
      ? html`<p class="muted">No older codes.</p>`
      : html`<p class="muted">
          No QR codes yet. Every code created here, with the API or the CLI is kept here.
        </p>`;
  }
  const now = view.now;
  const rows = page.qrcodes.map((q) => {
    const expired = q.expiresAt !== null && q.expiresAt <= now;
    const expiry =
      q.expiresAt === null
        ? html`<span class="tag green">permanent</span>`
        : expired
          ? html`<span class="tag red">expired</span> ${timeTag(Math.floor(q.expiresAt / 1000))}`
          : html`in ${formatDuration(q.expiresAt - now)} (${timeTag(Math.floor(q.expiresAt / 1000))})`;
    return html`<tr data-ticket="${q.ticket}">
      <td data-label="Label">
        <form method="post" class="inline" action="${consoleHref(view, '/admin/campaigns/label')}">
          ${csrfInput(view.session)}
          <input type="hidden" name="ticket" value="${q.ticket}" />
          <input
            name="label"
            value="${q.label ?? ''}"
            maxlength="${MAX_QR_LABEL_LENGTH}"
            placeholder="Add a label"
            aria-label="Label of the code for scene ${q.scene}"
          />
          <button type="submit" class="secondary">Save</button>
        </form>
      </td>
      <td data-label="Scene">
        <a href="${consoleHref(view, '/admin/followers', { scene: q.scene })}">${q.scene}</a>
      </td>
      <td data-label="Expires">${expiry}</td>
      <td data-label="Created">${timeTag(Math.floor(q.createdAt / 1000))}</td>
      <td data-label="Image">
        <a href="${qrPngHref(view, q.ticket, true)}" download data-download>PNG</a>
      </td>
    </tr>`;
  });
  return html`<div class="table-wrap">
      <table class="stack" data-table="qrcodes">
        <thead>
          <tr>
            <th>Label</th>
            <th>Scene</th>
            <th>Expires</th>
            <th>Created</th>
            <th>Image</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
    </div>
    <div class="pager">
      ${cursor ? html`<a class="button secondary" href="${consoleHref(view, '/admin/campaigns')}#codes">← Newest</a>` : ''}
      ${page.nextCursor ? html`<a class="button secondary" rel="next" href="${consoleHref(view, '/admin/campaigns', { codes: page.nextCursor })}#codes">Older →</a>` : ''}
    </div>`;
}
