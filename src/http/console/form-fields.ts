import type { ConsoleSession } from './console-session.js';
import { html, type Html } from './html.js';

/** Validation messages by field name; each is shown next to its field. */
export type FieldErrors = Partial<Record<string, string>>;

/** The common options of a form field. */
interface FieldOptions {
  name: string;
  label: string;
  /** The value to show again (what the operator typed), never lost on a validation error. */
  value?: string | undefined;
  error?: string | undefined;
  hint?: string | Html | undefined;
  required?: boolean;
  /** Id of the field; default `f-<name>`. */
  id?: string;
}

/** An `<input>` with its label, hint and error. */
export function inputField(
  options: FieldOptions & {
    type?: 'text' | 'password' | 'number' | 'search';
    placeholder?: string;
    maxlength?: number;
    min?: number;
    max?: number;
    /** Id of a `<datalist>` of suggestions. */
    list?: string;
    autocomplete?: string;
    /** Focused when the page loads (the console script), e.g. the field with the error. */
    focus?: boolean;
  },
): Html {
  const id = options.id ?? `f-${options.name}`;
  return fieldShell(
    options,
    id,
    html`<input
      id="${id}"
      name="${options.name}"
      type="${options.type ?? 'text'}"
      value="${options.value ?? ''}"
      ${attrs({
        placeholder: options.placeholder,
        maxlength: options.maxlength,
        min: options.min,
        max: options.max,
        list: options.list,
        autocomplete: options.autocomplete,
      })}${common(options, id)}${options.focus || options.error ? html` data-focus` : ''}
    />`,
  );
}

/** A `<textarea>` with its label, hint and error. */
export function textareaField(options: FieldOptions & { rows?: number; placeholder?: string }): Html {
  const id = options.id ?? `f-${options.name}`;
  return fieldShell(
    options,
    id,
    html`<textarea
      id="${id}"
      name="${options.name}"
      rows="${options.rows ?? 3}"
      ${attrs({
        placeholder: options.placeholder,
      })}${common(options, id)}${options.error ? html` data-focus` : ''}
    >
${options.value ?? ''}</textarea>`,
  );
}

/** A `<select>` with its label, hint and error. */
export function selectField(
  options: FieldOptions & { choices: ReadonlyArray<{ value: string; label: string }> },
): Html {
  const id = options.id ?? `f-${options.name}`;
  const choices = options.choices.map(
    (c) =>
      html`<option value="${c.value}" ${c.value === options.value ? html` selected` : ''}>
        ${c.label}
      </option>`,
  );
  return fieldShell(
    options,
    id,
    html`<select id="${id}" name="${options.name}" ${common(options, id)}>
      ${choices}
    </select>`,
  );
}

/** The hidden CSRF field every console form carries. */
export function csrfInput(session: Pick<ConsoleSession, 'csrf'>): Html {
  return html`<input type="hidden" name="_csrf" value="${session.csrf}" />`;
}

/** A `<datalist>` of suggestions for an input. */
export function datalist(id: string, values: readonly string[]): Html {
  return html`<datalist id="${id}">${values.map((v) => html`<option value="${v}"></option>`)}</datalist>`;
}

/**
 * One field of a parsed form body as a string: '' when absent, repeated or not text, so a handler never
 * meets an array or object it did not expect (koa-body's qs parser makes those from `a[]=` names).
 */
export function formString(body: unknown, name: string): string {
  if (body === null || typeof body !== 'object') return '';
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}

function fieldShell(options: FieldOptions, id: string, control: Html): Html {
  return html`<div class="field${options.error ? ' invalid' : ''}">
    <label for="${id}">${options.label}</label>
    ${control} ${options.hint ? html`<span class="hint" id="${id}-hint">${options.hint}</span>` : ''}
    ${options.error ? html`<span class="error" id="${id}-error">${options.error}</span>` : ''}
  </div>`;
}

function common(options: FieldOptions, id: string): Html {
  const described = [options.hint ? `${id}-hint` : '', options.error ? `${id}-error` : '']
    .filter((s) => s)
    .join(' ');
  return html`${options.required ? html` required` : ''}${options.error ? html` aria-invalid="true"` : ''}${
    described ? html` aria-describedby="${described}"` : ''
  }`;
}

function attrs(values: Record<string, string | number | undefined>): Html {
  return html`${Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => html` ${k}="${v}"`)}`;
}
