import type { Context } from 'koa';
import { sendPage } from './console-deps.js';
import { html } from './html.js';
import { barePage, consolePage } from './layout.js';
import { consoleHref, type ViewContext } from './view-context.js';

/**
 * The console's 404: inside the console for a signed-in operator, a bare page otherwise (which reveals
 * nothing about what exists).
 */
export function notFoundPage(
  ctx: Context,
  view: ViewContext | null,
  message = 'There is no such page.',
): void {
  const body = html`<p>${message}</p>
    <p><a href="${view ? consoleHref(view, '/admin') : '/admin'}">Back to the console</a></p>`;
  sendPage(ctx, view ? consolePage(view, { title: 'Not found', body }) : barePage('Not found', body), 404);
}
