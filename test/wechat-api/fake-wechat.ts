import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny loopback stand-in for the WeChat API, for unit tests of the client: it issues tokens, rejects
 * unknown ones with 40001 like WeChat (WECHAT-PROTOCOL.md §7), records every call and answers each route
 * with whatever the test sets. The full simulator (src/simulator) is the referee in client-vs-simulator.
 */
export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

/** What a route answers: JSON (status 200 unless given), a raw body, and an optional delay. */
export interface FakeReply {
  status?: number;
  json?: unknown;
  raw?: string;
  delayMs?: number;
}

export type FakeHandler = (call: RecordedCall) => FakeReply | Promise<FakeReply>;

export interface FakeWechat {
  url: string;
  calls: RecordedCall[];
  /** Calls of one path, e.g. `/cgi-bin/user/info`. */
  callsTo(path: string): RecordedCall[];
  /** Answers `METHOD /path` with `handler` (after the token check, for /cgi-bin/ APIs). */
  route(key: string, handler: FakeHandler): void;
  /** Tokens WeChat accepts right now. */
  validTokens: Set<string>;
  /** Seconds the next issued token lives. */
  expiresIn: number;
  close(): Promise<void>;
}

const TOKEN_PATHS = new Set(['/cgi-bin/token', '/cgi-bin/stable_token']);

/** Starts the fake on 127.0.0.1 and a free port. */
export async function startFakeWechat(): Promise<FakeWechat> {
  const routes = new Map<string, FakeHandler>();
  const calls: RecordedCall[] = [];
  const validTokens = new Set<string>();
  let issued = 0;
  let stable: string | null = null;

  const issue = (force: boolean): FakeReply => {
    if (force || stable === null || !validTokens.has(stable)) {
      issued += 1;
      stable = `token-${issued}-${'x'.repeat(20)}`;
      validTokens.add(stable);
    }
    return { json: { access_token: stable, expires_in: fake.expiresIn } };
  };
  routes.set('GET /cgi-bin/token', () => issue(true));
  routes.set('POST /cgi-bin/stable_token', (call) =>
    issue((call.body as { force_refresh?: boolean }).force_refresh === true),
  );

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const text = await readBody(req);
      const call: RecordedCall = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      };
      calls.push(call);
      const handler = routes.get(`${call.method} ${call.path}`);
      let reply: FakeReply;
      if (
        call.path.startsWith('/cgi-bin/') &&
        !TOKEN_PATHS.has(call.path) &&
        !validTokens.has(call.query['access_token'] ?? '')
      ) {
        reply = {
          json: {
            errcode: 40001,
            errmsg: 'invalid credential, access_token is invalid or not latest rid: 6f1e-01',
          },
        };
      } else if (handler === undefined) {
        reply = { status: 404, raw: 'no route' };
      } else {
        reply = await handler(call);
      }
      if (reply.delayMs !== undefined) await delayUnlessClosed(res, reply.delayMs);
      if (res.destroyed) return;
      res.statusCode = reply.status ?? 200;
      res.setHeader('content-type', reply.raw === undefined ? 'application/json' : 'text/plain');
      res.end(reply.raw ?? JSON.stringify(reply.json ?? { errcode: 0, errmsg: 'ok' }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeWechat = {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsTo: (path) => calls.filter((c) => c.path === path),
    route: (key, handler) => void routes.set(key, handler),
    validTokens,
    expiresIn: 7200,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Waits `ms`, or less if the client gives up first: no timer outlives the request it delays. */
function delayUnlessClosed(res: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once('close', done);
  });
}
