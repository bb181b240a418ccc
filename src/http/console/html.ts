/**
 * HTML that is safe to send: the console's only way to build markup. Everything interpolated into the
 * {@link html} template is escaped unless it is itself {@link Html}, so follower-supplied text (message
 * content, remarks, scenes) can never become markup or script (issue 6: "escape everything").
 */
export class Html {
  /** Markup already escaped or written by us; only {@link html} and {@link rawHtml} make one. */
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

/** A value the {@link html} template accepts: text is escaped, Html kept, lists joined, nothing dropped. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/**
 * Escapes text for element content and for quoted attribute values alike (all five significant characters,
 * plus the backtick old IE treated as a quote), so one function is right in both places.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

/**
 * Tagged template producing {@link Html}: `html\`<p>${content}</p>\``. Write attribute values quoted
 * (`href="${url}"`); `false`, `null` and `undefined` render nothing, so `${cond && html\`…\`}` works.
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Trusted markup from our own constants (never from data): e.g. an inline SVG icon. */
export function rawHtml(markup: string): Html {
  return new Html(markup);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.value;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}
