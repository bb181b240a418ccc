import { parseOAuthLinkUrl } from './oauth-link.js';

/**
 * A menu button as {@link renderMenuText} reads it: loose on purpose, because a live menu from `menu/get`
 * may hold buttons this server would not write (types set in the web console, for instance).
 */
export interface RenderableButton {
  readonly name?: string;
  readonly type?: string;
  readonly key?: string;
  readonly url?: string;
  readonly media_id?: string;
  readonly article_id?: string;
  readonly appid?: string;
  readonly pagepath?: string;
  readonly oauth?: { readonly scope: string; readonly target: string };
  readonly sub_button?: readonly RenderableButton[];
}

/** Options of {@link renderMenuText}. */
export interface RenderMenuOptions {
  /** PUBLIC_URL: links made from an `oauth` entry are shown as `oauth <scope> → <target>` again. */
  readonly publicUrl?: string;
}

/**
 * A menu as a readable tree for `wxoa menu show`, one button a line with its type and what it does:
 *
 * ```
 * Menu
 * ├─ Music  click  key=V1001_TODAY_MUSIC
 * └─ More
 *    ├─ Search  view  https://www.soso.com/
 *    └─ Account  view  oauth snsapi_base → /account
 * ```
 */
export function renderMenuText(
  menu: { readonly button: readonly RenderableButton[] },
  options: RenderMenuOptions = {},
): string {
  if (menu.button.length === 0) return '(no menu)';
  const lines = ['Menu'];
  menu.button.forEach((button, index) => {
    const last = index === menu.button.length - 1;
    lines.push(`${last ? '└─ ' : '├─ '}${describeButton(button, options)}`);
    const subs = button.sub_button ?? [];
    subs.forEach((sub, subIndex) => {
      const lastSub = subIndex === subs.length - 1;
      lines.push(`${last ? '   ' : '│  '}${lastSub ? '└─ ' : '├─ '}${describeButton(sub, options)}`);
    });
  });
  return lines.join('\n');
}

function describeButton(button: RenderableButton, options: RenderMenuOptions): string {
  const name = printable(button.name ?? '(no name)');
  if (button.type === undefined) return name;
  return `${name}  ${printable(button.type)}  ${describeAction(button, options)}`.trimEnd();
}

function describeAction(button: RenderableButton, options: RenderMenuOptions): string {
  const oauth =
    button.oauth ??
    (button.url !== undefined && options.publicUrl !== undefined
      ? parseOAuthLinkUrl(button.url, options.publicUrl)
      : null);
  if (button.type === 'view' && oauth !== null)
    return `oauth ${printable(oauth.scope)} → ${printable(oauth.target)}`;
  if (button.type === 'view') return printable(button.url ?? '');
  if (button.type === 'miniprogram') {
    const fallback = button.url === undefined ? '' : ` (fallback ${printable(button.url)})`;
    return `appid=${printable(button.appid ?? '')} pagepath=${printable(button.pagepath ?? '')}${fallback}`;
  }
  // Every other type is identified by exactly one of these; print whichever the button carries.
  const fields = ['key', 'media_id', 'article_id', 'url'] as const;
  return fields
    .filter((field) => button[field] !== undefined)
    .map((field) => `${field}=${printable(button[field] ?? '')}`)
    .join(' ');
}

/** Live data goes to a terminal: control characters are shown escaped, never interpreted. */
function printable(text: string): string {
  return /[\u0000-\u001f\u007f-\u009f]/.test(text) ? JSON.stringify(text) : text;
}
