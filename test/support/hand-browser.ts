/** A browser driven by hand: follows no redirect by itself, keeps its cookies (OAuth and console tests). */
export class Browser {
  readonly cookies = new Map<string, string>();
  /** Every Set-Cookie header received, raw, newest last. */
  readonly setCookies: string[] = [];

  async get(url: string): Promise<{ status: number; location: string | null; body: string }> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const header of res.headers.getSetCookie()) {
      this.setCookies.push(header);
      const [pair] = header.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(header)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, location: res.headers.get('location'), body: await res.text() };
  }

  /** The raw Set-Cookie header of `name`, newest. */
  setCookie(name: string): string | undefined {
    return this.setCookies.filter((c) => c.startsWith(`${name}=`)).at(-1);
  }
}
