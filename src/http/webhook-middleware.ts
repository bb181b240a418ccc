import type { IncomingMessage } from 'node:http';
import type { Context, Middleware } from 'koa';
import { WebhookError } from '../bot/webhook-errors.js';
import {
  createWebhookHandler,
  type WebhookHandler,
  type WebhookObserver,
  type WebhookOptions,
} from '../bot/webhook-handler.js';
import { silentLogger } from '../logger.js';
import { WireError } from '../wire/errors.js';
import { decodeUtf8 } from '../wire/utf8.js';
import { BodyDeadlines } from './body-deadlines.js';
import { CLIENT_GONE, clientGone, refusalHint, webhookErrorResponse } from './errors.js';
import { parsePushQuery } from './push-query.js';

/** The webhook's observer plus what only the HTTP side sees (metrics.ts implements it). */
export interface WebhookHttpObserver extends WebhookObserver {
  /** A push answered 200, `ms` after its request arrived; `appid` as the request named it (none: default). */
  answered(appid: string | undefined, ms: number): void;
  /** A POST refused with `status` (bad signature, malformed, too large, late, busy...). */
  refused(appid: string | undefined, status: number): void;
}

/** Options of `wechatWebhook`: the webhook's own plus how a Koa request picks its account. */
export interface WechatWebhookOptions extends WebhookOptions {
  observer?: WebhookHttpObserver | undefined;
  /**
   * The AppID of the account a request is for, or undefined for the default (first) account. Default: the
   * `appid` route parameter, so one middleware serves both `/wechat` and `/wechat/:appid`.
   */
  accountFor?: ((ctx: Context) => string | undefined) | undefined;
  /** Largest body accepted, in bytes; default 1 MiB (INTERFACE.md §3: over it → 413). */
  maxBodyBytes?: number | undefined;
  /** Milliseconds from a request's start until its whole body must have arrived; default 10 000 (→ 408). */
  bodyTimeoutMs?: number | undefined;
  /**
   * Push bodies read at once; one more is answered 503 with `Retry-After` (WeChat retries) instead of
   * being buffered, so memory stays bounded by this × `maxBodyBytes`. Default 64.
   */
  maxBodiesInFlight?: number | undefined;
}

/** The Koa middleware, with the framework-free handler it wraps (for `drain()` at shutdown). */
export type WechatWebhookMiddleware = Middleware & { readonly webhook: WebhookHandler };

/** INTERFACE.md §3's body limit. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** INTERFACE.md §3: a body not arrived 10 s after the request started → 408 (WeChat gives up after 5 s). */
export const BODY_TIMEOUT_MS = 10_000;
/** Default of `maxBodiesInFlight`: a push body is a few hundred bytes and arrives with its headers. */
export const MAX_BODIES_IN_FLIGHT = 64;

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
  const timeoutMs = options.bodyTimeoutMs ?? BODY_TIMEOUT_MS;
  const maxInFlight = options.maxBodiesInFlight ?? MAX_BODIES_IN_FLIGHT;
  const observer = options.observer;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new TypeError(`bodyTimeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  }
  if (!(Number.isSafeInteger(maxInFlight) && maxInFlight > 0)) {
    throw new TypeError(`maxBodiesInFlight must be a positive integer, got ${maxInFlight}`);
  }
  let inFlight = 0;
  const deadlines = new BodyDeadlines(timeoutMs);

  const middleware = async (ctx: Context): Promise<void> => {
    const started = performance.now();
    const method = ctx.method;
    // Until the body is read, an error answer closes the connection: the rest is not worth receiving.
    let bodyRead = method !== 'POST';
    try {
      if (method === 'POST') {
        // Only the parameters the checks read, not Koa's ctx.query (URLSearchParams, getAll and
        // defineProperty per key: 2.7 µs) nor node:querystring over all of them (1.35 µs): push-query.ts.
        const query = parsePushQuery(ctx.querystring);
        const appid = accountFor(ctx);
        // Unsigned or stale → 401 before a byte of the body is buffered (every mode signs without the body).
        const checked = webhook.checkPush({ query, appid });
        if (inFlight >= maxInFlight) {
          throw new WebhookError('busy', `${inFlight} push bodies already being read`);
        }
        inFlight++;
        let body: string;
        try {
          body = await readBody(
            ctx.req,
            limit,
            Math.max(0, timeoutMs - (performance.now() - started)),
            deadlines,
          );
        } finally {
          inFlight--;
        }
        bodyRead = true;
        const answer = await webhook.handlePush({ query, body, appid, checked });
        // The header first: with a Content-Type set, Koa's body setter skips its own type sniffing.
        ctx.set('Content-Type', answer.contentType);
        ctx.body = answer.body;
        observer?.answered(appid, performance.now() - started);
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
      if (method === 'POST') observer?.refused(accountFor(ctx), response.status);
      const where = { method, path: ctx.path, status: response.status };
      if (response.serverError) logger.error({ err, ...where }, 'webhook request failed');
      else {
        const hint = refusalHint(err, accountFor(ctx));
        logger.warn(
          { ...where, reason: (err as Error).message, ...(hint ? { hint } : {}) },
          'webhook request refused',
        );
      }
      if (!bodyRead) {
        // The rest of a refused, oversized or late body is not worth reading: close after the answer.
        ctx.set('Connection', 'close');
      }
      if (response.status === 503) ctx.set('Retry-After', '1');
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
 * Reads the whole body up to `limit` bytes and `timeoutMs`, as UTF-8 (invalid sequences → WireError 'xml').
 * Plain 'data'/'end' listeners: the async iterator measured about a third slower on this path
 * (../shared/bench/README.md). A declared Content-Length over the limit is refused before reading anything.
 * With `deadlines`, the timeout is one of theirs instead of a timer of its own.
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  timeoutMs = BODY_TIMEOUT_MS,
  deadlines?: BodyDeadlines,
): Promise<string> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let rest: Buffer[] | undefined;
    let size = 0;
    const cleanup = (): void => {
      if (deadlines === undefined) clearTimeout(timer);
      else deadlines.drop(expire);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const fail = (err: Error): void => {
      cleanup();
      first = rest = undefined; // let what was buffered go now, not when the socket closes
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        fail(tooLarge(limit));
        req.resume(); // discard the rest instead of buffering it
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
      try {
        resolve(buffer === undefined ? '' : decodeUtf8(buffer));
      } catch (err) {
        reject(err as Error);
      }
    };
    const onError = (err: Error): void => fail(err);
    // 'close' before 'end': the client went away mid-body.
    const onClose = (): void => fail(new Error('request closed before its body ended'));
    const expire = (): void => {
      fail(new WebhookError('timeout', `the body had not arrived ${timeoutMs} ms after the request started`));
      req.pause();
    };
    const timer = deadlines === undefined ? setTimeout(expire, timeoutMs) : undefined;
    deadlines?.add(expire, performance.now() + timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(limit: number): WireError {
  return new WireError('too_large', `body over ${limit} bytes`);
}
