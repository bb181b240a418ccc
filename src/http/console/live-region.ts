import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import { html, type Html } from './html.js';

/**
 * A part of a page that refreshes itself: the console script polls `url` and swaps the region's content
 * when its version changes. The content is rendered by the same function for the page and for the poll, so
 * both are escaped the same way and cannot drift apart.
 */
export function liveRegion(url: string, content: Html, intervalMs = 2500): Html {
  return html`<div
    data-live="${url}"
    data-live-interval="${intervalMs}"
    data-live-version="${versionOf(content)}"
    aria-live="polite"
  >
    ${content}
  </div>`;
}

/** Answers a poll of a {@link liveRegion}: `{version, html}`, never cached. */
export function sendLive(ctx: Context, content: Html): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'application/json';
  ctx.body = JSON.stringify({ version: versionOf(content), html: content.value });
}

/** A short hash of the markup: equal content, equal version, so an unchanged region is not re-rendered. */
function versionOf(content: Html): string {
  return createHash('sha256').update(content.value).digest('base64url').slice(0, 16);
}
