import type { IncomingMessage } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import type { Context, Middleware } from 'koa';
import { createWebhookHandler, type WebhookHandler, type WebhookOptions } from '../bot/webhook-handler.js';
import { silentLogger } from '../logger.js';
import { WireError } from '../wire/errors.js';
import { CLIENT_GONE, clientGone, refusalHint, webhookErrorResponse } from './errors.js';

/** Options of `wechatWebhook`: the webhook's own plus how a Koa request picks its account. */
export interface WechatWebhookOptions extends WebhookOptions {
  /**
   * The AppID of the account a request is for, or undefined for the default (first) account. Default: the
   * `appid` route parameter, so one middleware serves both `/wechat` and `/wechat/:appid`.
   */
  accountFor?: ((ctx: Context) => string | undefined) | undefined;
  /** Largest body accepted, in bytes; default 1 MiB (INTERFACE.md §3: over it → 413). */
  maxBodyBytes?: number | undefined;
}

/** The Koa middleware, with the framework-free handler it wraps (for `drain()` at shutdown). */
export type WechatWebhookMiddleware = Middleware & { readonly webhook: WebhookHandler };

/** INTERFACE.md §3's body limit. */
export const MAX_BODY_BYTES = 1024 * 1024;

const TEXT_TYPE = 'text/plain; charset=utf-8';

/**
 * The WeChat webhook as Koa middleware: `GET` answers URL verification, `POST` takes pushes, anything else
 * is 405. It ends the request itself (no `next()`), so mount it on its route. It reads the raw body itself:
 * mount it before any body parser.
 */
export function wechatWebhook(options: WechatWebhookOptions): WechatWebhookMiddleware {
  const webhook = createWebhookHandler(options);
  const logger = options.logger ?? silentLogger;
  const accountFor = options.accountFor ?? routeAppid;
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;

  const middleware = async (ctx: Context): Promise<void> => {
    const method = ctx.method;
    try {
      if (method === 'POST') {
        const body = await readBody(ctx.req, limit);
        // node:querystring over ctx.querystring, not ctx.query: Koa's parser (URLSearchParams, getAll and
        // defineProperty per key) took 2.7 µs against 1.35 µs for a push's query. Same values: a repeated
        // name becomes an array either way, which the handler refuses to guess from.
        const query = parseQueryString(ctx.querystring);
        const answer = await webhook.handlePush({ query, body, appid: accountFor(ctx) });
        // The header first: with a Content-Type set, Koa's body setter skips its own type sniffing.
        ctx.set('Content-Type', answer.contentType);
        ctx.body = answer.body;
      } else if (method === 'GET') {
        const echostr = webhook.verifyUrl({ query: ctx.query, appid: accountFor(ctx) });
        ctx.set('Content-Type', TEXT_TYPE);
        ctx.body = echostr;
      } else {
        ctx.status = 405;
        ctx.set('Allow', 'GET, POST');
        ctx.set('Content-Type', TEXT_TYPE);
        ctx.body = 'method not allowed';
      }
    } catch (err) {
      if (clientGone(ctx)) {
        // The client hung up (mid-body, say): nobody is left to answer, and it is not our failure. A debug
        // line without a stack, so a flood of disconnects cannot flood the log or trip error alerts.
        logger.debug({ method, path: ctx.path, reason: (err as Error).message }, CLIENT_GONE);
        return;
      }
      const response = webhookErrorResponse(err);
      const where = { method, path: ctx.path, status: response.status };
      if (response.serverError) logger.error({ err, ...where }, 'webhook request failed');
      else {
        const hint = refusalHint(err, accountFor(ctx));
        logger.warn(
          { ...where, reason: (err as Error).message, ...(hint ? { hint } : {}) },
          'webhook request refused',
        );
      }
      if (response.status === 413) {
        // The rest of an oversized body is not worth reading: close the connection after the answer.
        ctx.set('Connection', 'close');
      }
      ctx.status = response.status;
      ctx.set('Content-Type', TEXT_TYPE);
      ctx.body = response.body;
    }
  };
  return Object.assign(middleware, { webhook });
}

/** `/wechat/:appid` → its AppID; `/wechat` → undefined (the default account). */
function routeAppid(ctx: Context): string | undefined {
  const params = (ctx as Context & { params?: Record<string, string | undefined> }).params;
  return params?.['appid'];
}

/**
 * Reads the whole body up to `limit` bytes. Plain 'data'/'end' listeners: the async iterator measured about
 * a third slower on this path (../shared/bench/README.md). A declared Content-Length over the limit is
 * refused before reading anything.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let rest: Buffer[] | undefined;
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume(); // discard the rest instead of buffering it
        reject(tooLarge(limit));
      } else if (first === undefined) {
        first = chunk;
      } else {
        (rest ??= [first]).push(chunk);
      }
    };
    const onEnd = (): void => {
      cleanup();
      // One chunk is the common case (a push is a few hundred bytes): no concat then.
      const buffer = rest !== undefined ? Buffer.concat(rest, size) : first;
      resolve(buffer === undefined ? '' : buffer.toString('utf8'));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    // 'close' before 'end': the client went away mid-body.
    const onClose = (): void => {
      cleanup();
      reject(new Error('request closed before its body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(limit: number): WireError {
  return new WireError('too_large', `body over ${limit} bytes`);
}
