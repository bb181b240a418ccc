/**
 * Starts a Koa app with the webhook mounted the way the server mounts it (`/wechat` and `/wechat/:appid`,
 * one middleware) on 127.0.0.1 and a free port.
 */
import type { AddressInfo } from 'node:net';
import { Router } from '@koa/router';
import Koa from 'koa';
import { pino, type Logger } from 'pino';
import { wechatWebhook, type WechatWebhookOptions } from '../../src/http/webhook-middleware.js';

/** A running webhook server. */
export interface WebhookServer {
  /** `http://127.0.0.1:PORT/wechat` */
  url: string;
  origin: string;
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the webhook with `options`; close it in `after`/`afterEach`. */
export async function startWebhook(options: WechatWebhookOptions): Promise<WebhookServer> {
  const middleware = wechatWebhook(options);
  const router = new Router();
  router.all('/wechat', middleware);
  router.all('/wechat/:appid', middleware);
  const app = new Koa();
  app.use(router.routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/wechat`,
    origin,
    drain: () => middleware.webhook.drain(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** A logger whose JSON lines are kept in `lines` (for assertions on what was logged). */
export function captureLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
