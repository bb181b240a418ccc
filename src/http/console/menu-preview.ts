import { html, type Html } from './html.js';

interface LooseButton {
  name?: unknown;
  type?: unknown;
  key?: unknown;
  url?: unknown;
  oauth?: unknown;
  sub_button?: unknown;
}

/**
 * A menu as the WeChat client shows it: a bar at the bottom of the chat with up to three buttons, a button
 * with sub-buttons opening a list above it (a `<details>`, so it works without script). It reads the menu
 * loosely, so an invalid menu still shows what it would look like while its problems are listed beside it.
 */
export function menuPreview(menu: unknown, title: string): Html {
  const buttons = buttonsOf(menu);
  const bar = buttons.length
    ? buttons.slice(0, 3).map((b) => {
        const subs = buttonsOf({ button: b.sub_button });
        if (subs.length === 0) return html`<div class="btn" title="${describe(b)}">${nameOf(b)}</div>`;
        return html`<details>
          <summary>${nameOf(b)}</summary>
          <div class="popup">
            ${subs.slice(0, 5).map((s) => html`<div title="${describe(s)}">${nameOf(s)}</div>`)}
          </div>
        </details>`;
      })
    : html`<div class="empty">no menu</div>`;
  return html`<div class="phone menu-only" data-menu-preview>
    <div class="bar">${title}</div>
    <div class="body"><p>Chat with the account</p></div>
    <div class="menubar">
      <div class="kbd" aria-hidden="true">⌨</div>
      ${bar}
    </div>
  </div>`;
}

function buttonsOf(menu: unknown): LooseButton[] {
  if (menu === null || typeof menu !== 'object') return [];
  const list = (menu as Record<string, unknown>)['button'];
  return Array.isArray(list) ? list.filter((b): b is LooseButton => b !== null && typeof b === 'object') : [];
}

function nameOf(b: LooseButton): string {
  return typeof b.name === 'string' && b.name !== '' ? b.name : '(no name)';
}

/** What tapping the button does, for its tooltip. */
function describe(b: LooseButton): string {
  const type = typeof b.type === 'string' ? b.type : 'no type';
  if (typeof b.key === 'string') return `${type}: key ${b.key}`;
  if (typeof b.url === 'string') return `${type}: ${b.url}`;
  if (b.oauth && typeof b.oauth === 'object') {
    const o = b.oauth as Record<string, unknown>;
    return `${type}: sign in (${String(o['scope'] ?? 'snsapi_base')}) → ${String(o['target'] ?? '')}`;
  }
  return type;
}
