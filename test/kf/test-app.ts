/**
 * Starts Koa apps for the customer-service, QR and OAuth tests the way the server composes them: /api/*
 * behind `requireAdminToken` inside `apiErrors`, on 127.0.0.1 and a free port.
 */
import type { AddressInfo } from 'node:net';
import type { Router } from '@koa/router';
import Koa from 'koa';
import { requireAdminToken } from '../../src/http/admin-auth.js';
import { apiErrors } from '../../src/http/api-error.js';
import { silentLogger } from '../../src/logger.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { WechatApi } from '../../src/wechat-api/index.js';

/** The admin token of every test app. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** A running app. */
export interface TestServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:0. */
export async function listen(app: Koa): Promise<TestServer> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** An app serving `routers`, with /api/* guarded by {@link ADMIN_TOKEN} and errors in the API's JSON shape. */
export function adminApp(...routers: Router[]): Koa {
  const app = new Koa();
  const guard = requireAdminToken(ADMIN_TOKEN);
  app.use(apiErrors(silentLogger));
  app.use((ctx, next) => (ctx.path.startsWith('/api/') ? guard(ctx, next) : next()));
  for (const router of routers) app.use(router.routes()).use(router.allowedMethods());
  return app;
}

/** Calls the admin API with the token; `body` is sent as JSON. */
export async function api(
  origin: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${origin}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A simulated WeChat with one account, an in-memory store and an API client on the simulator's clock. */
export interface SimulatedAccount {
  sim: Simulator;
  account: SimAccount;
  store: Store;
  wechat: WechatApi;
  /** The simulator's clock (Unix ms), so windows and expiries move with `sim.clock.advance`. */
  clock: () => number;
}

/** Starts the fixture most customer-service and OAuth tests share; close `sim` and `store` afterwards. */
export async function startSimulatedAccount(): Promise<SimulatedAccount> {
  const sim = await startSimulator();
  const account = sim.createAccount();
  const store = await openStore('sqlite::memory:');
  const clock = () => sim.clock.now();
  const wechat = new WechatApi({
    appid: account.appid,
    appsecret: account.appsecret,
    apiBase: sim.url,
    clock,
  });
  return { sim, account, store, wechat, clock };
}
