import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { QrCodeRepo } from '../campaigns/qrcode-repo.js';
import { createAndKeepQrCode, QrLabelError, type QrCodeCreator } from '../campaigns/qrcode-service.js';
import type { Logger } from '../logger.js';
import { InvalidCursorError } from '../followers/follower-repo.js';
import { WechatApiError, WechatHttpError } from '../wechat-api/errors.js';
import { QrCodeRequestError, type QrCodeRequest } from '../wechat-api/qrcode-request.js';
import type { QrCode } from '../wechat-api/types.js';
import { qrCodeJson } from '../campaigns/qrcode-json.js';
import { ApiError } from './api-error.js';
import { accountResolver, jsonBody, limitQuery, singleQuery } from './api-query.js';

export type { QrCodeCreator } from '../campaigns/qrcode-service.js';

/** Page size of `GET /api/qrcodes` when `limit` is absent, and the largest one allowed. */
export const DEFAULT_QRCODES_LIMIT = 50;
export const MAX_QRCODES_LIMIT = 200;

/** Options of {@link qrcodesApiRouter}. */
export interface QrCodesApiOptions {
  /** The API client of an account; undefined for an account this process does not serve. */
  apiFor: (appid: string) => QrCodeCreator | undefined;
  /** Where every created code is kept. */
  qrcodes: QrCodeRepo;
  /** Unix ms, for expiresAt; default Date.now. */
  clock?: () => number;
  logger?: Logger;
  /** The primary account (WECHAT_APPID): whose codes are made unless `?appid=` names another. */
  appid: string | (() => string);
  /** Every account `?appid=` may name (the primary one is always allowed). */
  appids?: readonly string[];
  /** Where the routes live; default `/api`. */
  prefix?: string;
}

/**
 * `POST /api/qrcodes` (INTERFACE.md §5): creates a parametric QR code for a campaign scene, keeps it, and
 * answers `201 {ticket, url, imageUrl, expireSeconds, …}` (`expireSeconds` null for a permanent code). The
 * request is validated before anything reaches WeChat (the client's QrCodeRequestError): a bad scene or
 * expiry is a 400 naming the problem. `GET /api/qrcodes` lists every code created through wxoa, newest
 * first, paged as /api/followers is. Mount behind `requireAdminToken` and inside `apiErrors`, like every
 * /api/* router.
 */
export function qrcodesApiRouter(options: QrCodesApiOptions): Router {
  const appidOf = accountResolver(options.appid, options.appids);
  const router = new Router({ prefix: options.prefix ?? '/api' });

  router.get('/qrcodes', async (ctx: Context) => {
    const appid = appidOf(ctx);
    const limit = limitQuery(ctx, DEFAULT_QRCODES_LIMIT, MAX_QRCODES_LIMIT);
    const cursor = singleQuery(ctx, 'cursor');
    try {
      const page = await options.qrcodes.list({ appid, limit, ...(cursor ? { cursor } : {}) });
      ctx.body = { qrcodes: page.qrcodes.map(qrCodeJson), nextCursor: page.nextCursor };
    } catch (err) {
      if (err instanceof InvalidCursorError) throw new ApiError(400, 'invalid_cursor', err.message);
      throw err;
    }
  });

  router.post('/qrcodes', jsonBody, async (ctx) => {
    const appid = appidOf(ctx);
    const { request, label } = qrRequestOf(ctx.request.body);
    const api = options.apiFor(appid);
    if (api === undefined) throw new Error(`no WeChat API client for account ${appid}`);
    let code: QrCode;
    try {
      ({ created: code } = await createAndKeepQrCode({
        api,
        repo: options.qrcodes,
        appid,
        request,
        label,
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      }));
    } catch (err) {
      throw apiErrorOf(err);
    }
    ctx.status = 201;
    ctx.body = {
      ticket: code.ticket,
      url: code.url,
      imageUrl: code.imageUrl,
      expireSeconds: code.expireSeconds,
    };
  });

  return router;
}

/**
 * The body as a QrCodeRequest. Only JSON types are checked here: the ranges and lengths WeChat accepts are
 * the client's to check (wechat-api/qrcode-request.ts), so the CLI and this route refuse the same things
 * with the same words.
 */
function qrRequestOf(body: unknown): { request: QrCodeRequest; label: string | null } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(
      400,
      'invalid_body',
      'send a JSON object {"scene": "…", "permanent"?: bool, "expireSeconds"?: n} with Content-Type: application/json',
    );
  }
  const { scene, permanent, expireSeconds, label } = body as Record<string, unknown>;
  if (label !== undefined && label !== null && typeof label !== 'string') {
    throw new ApiError(400, 'invalid_label', 'label must be a string');
  }
  if (scene === undefined) throw new ApiError(400, 'invalid_scene', 'scene is required');
  if (typeof scene !== 'string' && typeof scene !== 'number') {
    throw new ApiError(
      400,
      'invalid_scene',
      'scene must be a string (1 to 64 characters) or a positive whole number',
    );
  }
  if (permanent !== undefined && typeof permanent !== 'boolean') {
    throw new ApiError(400, 'invalid_permanent', 'permanent must be true or false');
  }
  if (expireSeconds !== undefined && expireSeconds !== null && typeof expireSeconds !== 'number') {
    throw new ApiError(400, 'invalid_expire_seconds', 'expireSeconds must be a number of seconds');
  }
  return {
    request: {
      scene,
      ...(permanent !== undefined ? { permanent } : {}),
      ...(typeof expireSeconds === 'number' ? { expireSeconds } : {}),
    },
    label: label ?? null,
  };
}

function apiErrorOf(err: unknown): unknown {
  if (err instanceof QrLabelError) return new ApiError(400, 'invalid_label', err.message);
  if (err instanceof QrCodeRequestError) {
    const code = {
      scene: 'invalid_scene',
      permanent: 'invalid_permanent',
      expireSeconds: 'invalid_expire_seconds',
    };
    return new ApiError(400, code[err.field], err.message);
  }
  if (err instanceof WechatHttpError) {
    return new ApiError(502, 'wechat_unreachable', 'WeChat could not be reached; no QR code was created');
  }
  if (err instanceof WechatApiError) {
    return new ApiError(502, 'wechat_error', `WeChat refused the QR code: ${err.errcode} ${err.errmsg}`);
  }
  return err;
}
