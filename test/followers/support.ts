/**
 * Helpers for the follower tests: a real store (an SQLite file, or a throwaway PostgreSQL database), the
 * simulator, and the webhook mounted the way the server mounts it with follower capture in its bot.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router } from '@koa/router';
import Koa from 'koa';
import { Bot } from '../../src/bot/index.js';
import { captureFollowers } from '../../src/followers/capture.js';
import type { EnrichmentWorker } from '../../src/followers/enrichment.js';
import { wechatWebhook } from '../../src/http/webhook-middleware.js';
import type { ReplyRecordStore } from '../../src/bot/reply-store.js';
import type { SimAccount, Simulator } from '../../src/simulator/index.js';
import { openStore } from '../../src/store/index.js';
import type { FollowerRepo, Store } from '../../src/store/types.js';
import { WechatApi } from '../../src/wechat-api/index.js';
import { createTestDatabase } from '../support/postgres.js';

/** The databases the follower tests run on. */
export type Engine = 'sqlite' | 'postgres';
export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

/** A database for one test: open as many stores on it as the test has "instances" or "restarts". */
export interface TestDb {
  url: string;
  /** A store on this database; `clock` drives its leases and retry times (default Date.now). */
  open(options?: { clock?: () => number }): Promise<Store>;
  /** Closes every store opened and deletes the database. */
  dispose(): Promise<void>;
}

/** A fresh database of `engine`; PostgreSQL tests are skipped where no server can be started. */
export async function testDb(engine: Engine, ctx: Mocha.Context): Promise<TestDb> {
  const stores: Store[] = [];
  let url: string;
  let drop: () => Promise<unknown>;
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'wxoa-followers-'));
    url = `sqlite:${join(dir, 'wxoa.db')}`;
    drop = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const database = await createTestDatabase(ctx);
    url = database.url;
    drop = () => database.drop();
  }
  return {
    url,
    async open(options = {}) {
      const store = await openStore(url, options);
      stores.push(store);
      return store;
    },
    async dispose() {
      await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
      await drop();
    },
  };
}

/** The API client of a simulated account, failing fast so tests see failures without the client's retries. */
export function apiFor(sim: Simulator, account: SimAccount, options: { retries?: number } = {}): WechatApi {
  return new WechatApi({
    appid: account.appid,
    appsecret: account.appsecret,
    apiBase: sim.url,
    retries: options.retries ?? 0,
    backoffMs: 1,
  });
}

/** The reply the capture server's bot gives to a follow: shows the follower was stored before it. */
export const WELCOME_STORED = 'Welcome (stored)';
export const WELCOME_NOT_STORED = 'Welcome (not stored yet)';

/** A running server with the webhook for some simulated accounts. */
export interface CaptureServer {
  origin: string;
  /** Waits for handlers still running after their reply. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the webhook for `accounts` with follower capture as the first bot middleware and a welcome handler
 * behind it, and points each account's webhookUrl at it.
 */
export async function startCaptureServer(options: {
  store: Store;
  accounts: SimAccount[];
  enrichment?: EnrichmentWorker;
  /** Default: the store's own (shared by instances); pass a memory one to make an instance forget. */
  replyStore?: ReplyRecordStore;
  /** What capture writes to; default the store's. A test may put a failing database in front of it. */
  recordEvent?: FollowerRepo['recordEvent'];
}): Promise<CaptureServer> {
  const { store } = options;
  const bot = new Bot();
  bot.use(
    captureFollowers({
      followers: { recordEvent: options.recordEvent ?? ((event) => store.followers.recordEvent(event)) },
      ...(options.enrichment ? { enrichment: options.enrichment } : {}),
      retryDelaysMs: [10, 20],
    }),
  );
  // Reads the store from inside the reply handler: what it answers proves whether capture stored first.
  bot.on('event:subscribe', async (ctx) => {
    const stored = await store.followers.get(ctx.appid, ctx.openid);
    ctx.reply(stored?.subscribed ? WELCOME_STORED : WELCOME_NOT_STORED);
  });
  const middleware = wechatWebhook({
    accounts: options.accounts.map((a) => ({
      appid: a.appid,
      token: a.token,
      encodingAesKey: a.encodingAesKey,
    })),
    bot,
    replyStore: options.replyStore ?? store.replies,
  });
  const router = new Router();
  router.all('/wechat', middleware);
  router.all('/wechat/:appid', middleware);
  const app = new Koa();
  app.use(router.routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const account of options.accounts) account.webhookUrl = `${origin}/wechat/${account.appid}`;
  return {
    origin,
    drain: () => middleware.webhook.drain(),
    close: async () => {
      for (const account of options.accounts) account.webhookUrl = undefined;
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** batchget calls the simulator received, optionally for one account. */
export function batchgetCalls(sim: Simulator, appid?: string): number {
  return sim.calls.filter(
    (c) => c.path === '/cgi-bin/user/info/batchget' && (appid === undefined || c.appid === appid),
  ).length;
}

/** Polls `check` until it holds or `timeoutMs` passes; then fails with `what`. */
export async function eventually(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Runs `task` over `items`, `limit` at a time. */
export async function inParallel<T>(
  items: T[],
  limit: number,
  task: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await task(items[next++] as T);
    }),
  );
}
