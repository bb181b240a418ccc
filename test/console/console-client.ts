/** One response, read whole. */
export interface ConsoleResponse {
  status: number;
  headers: Headers;
  body: string;
  /** The body with insignificant whitespace squashed (see {@link squash}), for matching markup. */
  markup: string;
  /** The `Location` header, or null. */
  location: string | null;
  /** Raw Set-Cookie headers. */
  setCookies: string[];
}

/**
 * A browser reduced to what the console's HTTP tests need: a cookie jar, form posts, no redirects followed
 * (tests look at them).
 */
export class ConsoleClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly origin: string) {}

  get(path: string, headers: Record<string, string> = {}): Promise<ConsoleResponse> {
    return this.request('GET', path, undefined, headers);
  }

  /** POSTs a urlencoded form, as a browser submitting it would (same-origin). */
  post(
    path: string,
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<ConsoleResponse> {
    return this.request('POST', path, new URLSearchParams(form).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      origin: this.origin,
      ...headers,
    });
  }

  /** Signs in with the admin token through the login form. */
  async login(token: string): Promise<ConsoleResponse> {
    return this.post('/admin/login', { token, next: '/admin/followers' });
  }

  /** The CSRF token of the forms on a page. */
  async csrf(path = '/admin/followers'): Promise<string> {
    const page = await this.get(path);
    const match = /name="_csrf" value="([^"]+)"/.exec(page.body);
    if (!match?.[1]) throw new Error(`no CSRF field on ${path} (status ${page.status})`);
    return match[1];
  }

  async request(
    method: string,
    path: string,
    body: string | undefined,
    headers: Record<string, string>,
  ): Promise<ConsoleResponse> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(new URL(path, this.origin), {
      method,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...headers },
      ...(body !== undefined ? { body } : {}),
    });
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (value === '' || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text,
      markup: squash(text),
      location: res.headers.get('location'),
      setCookies,
    };
  }
}

/**
 * Markup with whitespace between and inside tags collapsed, so assertions do not depend on how the
 * templates are laid out (prettier formats them).
 */
export function squash(markup: string): string {
  return markup.replace(/\s+/g, ' ').replace(/>\s+/g, '>').replace(/\s+</g, '<').replace(/\s+>/g, '>');
}
