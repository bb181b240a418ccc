import { request } from 'node:http';
import { expect } from 'chai';
import type { Middleware } from 'koa';
import { startConsoleServer, type ConsoleServer } from '../console/console-server.js';

/** The methods requests are tried with (a catch-all route lists every method Node knows, CONNECT included). */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Issue 9, defect 1: the admin token and the console session are checked before any router, on a normalised
 * path, so no spelling of a path (case, percent-encoding, doubled or trailing slashes, dot segments) reaches
 * an /api route or a console page without them. The routes are read from the routers the app mounts, so a
 * route added later is covered without touching this test.
 */
describe('admin API and console: no path spelling gets past authentication', () => {
  let server: ConsoleServer;

  before(async () => {
    server = await startConsoleServer();
  });

  after(async () => {
    await server?.close();
  });

  /** A raw request: fetch would resolve dot segments and re-encode the path before sending it. */
  function raw(
    method: string,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; location: string | undefined; body: string }> {
    const { hostname, port } = new URL(server.origin);
    return new Promise((resolve, reject) => {
      const req = request({ host: hostname, port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
      req.on('error', reject);
      if (method === 'POST') {
        req.setHeader('content-type', 'application/json');
        req.end('{"text":"hi","scene":"x"}');
      } else req.end();
    });
  }

  /** Every (method, path) of every router the app (and the console) mounts, with params filled in. */
  function mountedRoutes(): Array<{ method: string; path: string }> {
    const routes: Array<{ method: string; path: string }> = [];
    const seen = new Set<string>();
    type Layer = { path: string | RegExp; methods: string[] };
    type WithRouter = Middleware & { router?: { stack: Layer[] } };
    for (const mw of server.wxoa.app.middleware as WithRouter[]) {
      for (const layer of mw.router?.stack ?? []) {
        if (typeof layer.path !== 'string') continue;
        const path = layer.path
          .replace(/\{\/\*\w+\}/g, '/anything')
          .replace(/\{[^}]*\}/g, '')
          .replace(/:(\w+)/g, 'x$1');
        for (const method of layer.methods.filter((m) => METHODS.includes(m))) {
          const key = `${method} ${path}`;
          if (!seen.has(key)) routes.push({ method, path });
          seen.add(key);
        }
      }
    }
    return routes;
  }

  /** Ways of writing `path` that a router or a proxy might treat as the same path. */
  function spellings(path: string): string[] {
    const [, first = '', rest = ''] = /^\/([^/]+)(.*)$/.exec(path) ?? [];
    const encodedFirst = `%${first.charCodeAt(0).toString(16)}${first.slice(1)}`;
    return [
      path,
      `/${first.toUpperCase()}${rest}`,
      `/${first[0]?.toUpperCase()}${first.slice(1)}${rest}`,
      `/${first.slice(0, 1)}${first.slice(1, 2).toUpperCase()}${first.slice(2)}${rest}`,
      path.toUpperCase(),
      `/${encodedFirst}${rest}`,
      `/${encodedFirst.replace('%', '%25')}${rest}`,
      `/${first}/${rest.slice(1).replace(/^(.)/, (c) => `%${c.charCodeAt(0).toString(16)}`)}`,
      `//${first}${rest}`,
      `/${first}/${rest.replace(/\//g, '//')}`,
      `${path}/`,
      `/${first}/./${rest.slice(1)}`,
      `/${first}/nothing/..${rest}`,
      `/${first}\\${rest.slice(1)}`,
    ].filter((p) => p.length > 1);
  }

  it('finds the routes of the admin API and of the console in the mounted routers', () => {
    const paths = mountedRoutes().map((r) => `${r.method} ${r.path}`);
    expect(paths).to.include('GET /api/followers');
    expect(paths).to.include('POST /api/conversations/xopenid/messages');
    expect(paths).to.include('GET /admin/followers');
  });

  it('answers 401 to every /api route in every spelling without the admin token', async () => {
    const api = mountedRoutes().filter((r) => /^\/api(\/|$)/i.test(r.path));
    expect(api.length).to.be.greaterThan(5);
    const leaks: string[] = [];
    for (const { method, path } of api) {
      for (const spelled of spellings(path)) {
        for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }]) {
          const res = await raw(method, spelled, headers).catch((err: Error) => ({
            status: 0,
            body: err.message,
            location: undefined,
          }));
          // A wrong token may also meet the brake on guessing (429): a refusal all the same.
          const ok =
            (res.status === 401 && /"code":"unauthorized"/.test(res.body)) ||
            ('authorization' in headers && res.status === 429 && /"code":"too_many_attempts"/.test(res.body));
          if (!ok) leaks.push(`${method} ${spelled} → ${res.status} ${res.body.slice(0, 40)}`);
        }
      }
    }
    expect(leaks.join('\n')).to.equal('');
    expect(server.account.sentMessages).to.deep.equal([]);
  });

  it('sends every private console page, in every spelling, to the login form without a session', async () => {
    const pages = mountedRoutes().filter(
      (r) => /^\/admin(\/|$)/i.test(r.path) && !/^\/admin\/(login|assets)(\/|$)/.test(r.path),
    );
    expect(pages.length).to.be.greaterThan(5);
    const leaks: string[] = [];
    for (const { method, path } of pages) {
      for (const spelled of spellings(path)) {
        const res = await raw(method, spelled, { origin: server.origin });
        const refused =
          (res.status === 303 && (res.location ?? '').startsWith('/admin/login')) ||
          (res.status === 401 && /"code":"unauthenticated"/.test(res.body));
        if (!refused) leaks.push(`${method} ${spelled} → ${res.status} ${res.location ?? ''}`);
      }
    }
    expect(leaks.join('\n')).to.equal('');
  });

  it('still serves the login form and the console assets without a session', async () => {
    expect((await raw('GET', '/admin/login')).status).to.equal(200);
    expect((await raw('GET', '/admin/assets/console.css')).status).to.equal(200);
  });

  it('refuses a path with malformed percent-encoding instead of guessing what it means', async () => {
    expect((await raw('GET', '/%E0%A4%A/followers')).status).to.equal(400);
    expect((await raw('GET', '/api/followers/%')).status).to.equal(400);
  });
});
