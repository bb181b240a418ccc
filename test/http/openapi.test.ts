/**
 * Issue 10: `GET /api/openapi.json` describes every /api route the server mounts (a route added without an
 * entry fails here), behind the admin token like every /api route, and the answers of the real routes have
 * the shapes it documents (every documented required field present, no undocumented field).
 */
import { expect } from 'chai';
import type Router from '@koa/router';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import {
  e2eDatabase,
  eventually,
  startE2eServer,
  type E2eDatabase,
  type E2eServer,
} from '../support/server.js';

type Schema = Record<string, unknown>;
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Schema }> }>>;
  components: { schemas: Record<string, Schema> };
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every method and path under /api that the app's routers serve, in OpenAPI's `{param}` spelling. */
function mountedApiRoutes(middleware: unknown[]): string[] {
  const routes = new Set<string>();
  for (const mw of middleware) {
    const router = (mw as { router?: Router }).router;
    for (const layer of router?.stack ?? []) {
      const path = String(layer.path);
      if (!path.toLowerCase().startsWith('/api/') || path.includes('*')) continue; // the JSON 404 catch-all
      for (const method of layer.methods.map((m) => m.toLowerCase())) {
        if (METHODS.includes(method)) routes.add(`${method} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
      }
    }
  }
  return [...routes].sort();
}

/** Problems of `value` against a JSON Schema subset: $ref, type, enum, properties, required, items. */
function problemsOf(value: unknown, schema: Schema, doc: Doc, at = '$'): string[] {
  if (typeof schema['$ref'] === 'string') {
    const name = schema['$ref'].replace('#/components/schemas/', '');
    return problemsOf(value, doc.components.schemas[name]!, doc, at);
  }
  if (Array.isArray(schema['enum']))
    return schema['enum'].includes(value) ? [] : [`${at}: ${JSON.stringify(value)} not in enum`];
  const types = schema['type'] === undefined ? [] : ([] as unknown[]).concat(schema['type']);
  const typeOf = (v: unknown) =>
    v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;
  const actual = typeOf(value);
  if (types.length && !types.includes(actual) && !(actual === 'integer' && types.includes('number')))
    return [`${at}: ${actual} is not ${types.join('|')}`];
  const problems: string[] = [];
  if (actual === 'object' && schema['properties']) {
    const props = schema['properties'] as Record<string, Schema>;
    const object = value as Record<string, unknown>;
    for (const key of (schema['required'] as string[] | undefined) ?? [])
      if (!(key in object)) problems.push(`${at}.${key}: missing`);
    for (const [key, v] of Object.entries(object)) {
      if (!props[key]) problems.push(`${at}.${key}: not documented`);
      else problems.push(...problemsOf(v, props[key], doc, `${at}.${key}`));
    }
  }
  if (actual === 'array' && schema['items'])
    (value as unknown[]).forEach((v, i) =>
      problems.push(...problemsOf(v, schema['items'] as Schema, doc, `${at}[${i}]`)),
    );
  return problems;
}

describe('admin API reference: GET /api/openapi.json', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let account: SimAccount;
  let db: E2eDatabase;
  let server: E2eServer;
  let doc: Doc;

  before(async function () {
    db = await e2eDatabase('sqlite', this);
    sim = await startSimulator();
    account = sim.createAccount();
    server = await startE2eServer({ sim, account, databaseUrl: db.url });
    const res = await server.api('/api/openapi.json');
    expect(res.status).to.equal(200);
    doc = res.body as Doc;
  });

  after(async () => {
    await server?.close();
    await sim?.close();
    await db?.dispose();
  });

  /** Checks an answer against the documented schema of its route, method and status. */
  function expectDocumented(path: string, method: string, status: number, body: unknown) {
    const response = doc.paths[path]?.[method]?.responses[String(status)];
    expect(response, `${method} ${path} ${status} documented`).to.not.equal(undefined);
    const schema = (response!.content?.['application/json'] as { schema: Schema }).schema;
    expect(problemsOf(body, schema, doc), `${method} ${path} ${status}`).to.deep.equal([]);
  }

  it('is behind the admin token, as every /api route', async () => {
    for (const path of ['/api/openapi.json', '/API/openapi.json']) {
      const res = await fetch(server.url + path);
      expect(res.status, path).to.equal(401);
      expect(await res.text()).to.not.contain('openapi');
    }
  });

  it('is an OpenAPI 3.1 document describing exactly the /api routes the server mounts', () => {
    expect(doc.openapi).to.equal('3.1.0');
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`))
      .sort();
    const mounted = mountedApiRoutes(server.wxoa.app.middleware);
    expect(mounted).to.include('get /api/followers/{openid}');
    expect(documented).to.deep.equal(mounted);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.responses, `${method} ${path}`).to.include.keys('401', '429');
        const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const declared = ((op as { parameters?: Array<{ in: string; name: string }> }).parameters ?? [])
          .filter((p) => p.in === 'path')
          .map((p) => p.name);
        expect(declared, `${method} ${path} path parameters`).to.deep.equal(params);
      }
    }
    // Every $ref resolves.
    const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]!);
    for (const name of refs) expect(doc.components.schemas, name).to.have.property(name);
  });

  it('documents the shapes the routes answer with', async () => {
    const follower = account.follower();
    await follower.follow({ scene: 'spring' });
    await follower.sendText('hello');
    await eventually('the follower is enriched', async () => {
      const res = await server.api(`/api/followers/${follower.openid}`);
      return res.status === 200 && res.body.enrichedAt !== null;
    });

    const get = async (path: string, route = path.split('?')[0]!) => {
      const res = await server.api(path);
      expectDocumented(route, 'get', res.status, res.body);
      return res;
    };
    await get('/api/followers?limit=5');
    await get(`/api/followers/${follower.openid}`, '/api/followers/{openid}');
    await get(`/api/followers/${follower.openid}/events`, '/api/followers/{openid}/events');
    await get('/api/followers/nobody', '/api/followers/{openid}');
    await get('/api/scenes');
    await get('/api/conversations');
    await get(`/api/conversations/${follower.openid}/messages`, '/api/conversations/{openid}/messages');
    const unionid = (await server.api(`/api/followers/${follower.openid}`)).body.unionid as string;
    await get(`/api/unions/${unionid}`, '/api/unions/{unionid}');
    await get(`/api/people?q=${follower.openid}`, '/api/people');

    const created = await server.api('/api/qrcodes', {
      method: 'POST',
      body: JSON.stringify({ scene: 'spring', expireSeconds: 600 }),
    });
    expectDocumented('/api/qrcodes', 'post', created.status, created.body);
    await get('/api/qrcodes');
    const sent = await server.api(`/api/conversations/${follower.openid}/messages`, {
      method: 'POST',
      body: JSON.stringify({ text: 'Hi there' }),
    });
    expectDocumented('/api/conversations/{openid}/messages', 'post', sent.status, sent.body);
    const refused = await server.api('/api/qrcodes', { method: 'POST', body: '{}' });
    expectDocumented('/api/qrcodes', 'post', refused.status, refused.body);
  });
});
