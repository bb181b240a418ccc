/**
 * Starts a Koa app with the webhook mounted the way the server mounts it (`/wechat` and `/wechat/:appid`,
 * one middleware) on 127.0.0.1 and a free port.
 */
import type { AddressInfo } from 'node:net';
import { Router } from '@koa/router';
import Koa from 'koa';
import { pino, type Logger } from 'pino';
import type { WebhookHandler } from '../../src/bot/webhook-handler.js';
import { webhookErrorResponse } from '../../src/http/errors.js';
import { wechatWebhook, type WechatWebhookOptions } from '../../src/http/webhook-middleware.js';
import type { SignedPush } from '../support/push.js';

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

/** What WeChat would see of a push handed to the framework-free handler: the status and the body. */
export interface HandlerAnswer {
  status: number;
  body: string;
}

/**
 * Hands a signed push to the handler without HTTP (so the test controls every timer) and maps a refusal
 * to its status the way the Koa middleware does.
 */
export async function deliverTo(handler: WebhookHandler, push: SignedPush): Promise<HandlerAnswer> {
  try {
    const answer = await handler.handlePush({ query: push.query, body: push.body });
    return { status: 200, body: answer.body };
  } catch (err) {
    const response = webhookErrorResponse(err);
    return { status: response.status, body: response.body };
  }
}

/** A promise the test resolves by hand: a handler held until the test lets go. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}
