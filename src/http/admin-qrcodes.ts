import { Router } from '@koa/router';
import { WechatApiError, WechatHttpError } from '../wechat-api/errors.js';
import { QrCodeRequestError, type QrCodeRequest } from '../wechat-api/qrcode-request.js';
import type { QrCode } from '../wechat-api/types.js';
import { ApiError } from './api-error.js';
import { accountResolver, jsonBody } from './api-query.js';

/** What the route needs of the WeChat API client: `qrcode/create` (WECHAT-PROTOCOL.md §6.5). */
export interface QrCodeCreator {
  createQrCode(request: QrCodeRequest): Promise<QrCode>;
}

/** Options of {@link qrcodesApiRouter}. */
export interface QrCodesApiOptions {
  /** The API client of an account; undefined for an account this process does not serve. */
  apiFor: (appid: string) => QrCodeCreator | undefined;
  /** The primary account (WECHAT_APPID): whose codes are made unless `?appid=` names another. */
  appid: string;
  /** Every account `?appid=` may name (the primary one is always allowed). */
  appids?: readonly string[];
  /** Where the routes live; default `/api`. */
  prefix?: string;
}

/**
 * `POST /api/qrcodes` (INTERFACE.md §5): creates a parametric QR code for a campaign scene and answers
 * `201 {ticket, url, imageUrl, expireSeconds}` (`expireSeconds` null for a permanent code). The request is
 * validated before anything reaches WeChat (the client's QrCodeRequestError): a bad scene or expiry is a
 * 400 naming the problem. Mount behind `requireAdminToken` and inside `apiErrors`, like every /api/* router.
 */
export function qrcodesApiRouter(options: QrCodesApiOptions): Router {
  const appidOf = accountResolver(options.appid, options.appids);
  const router = new Router({ prefix: options.prefix ?? '/api' });

  router.post('/qrcodes', jsonBody, async (ctx) => {
    const appid = appidOf(ctx);
    const request = qrRequestOf(ctx.request.body);
    const api = options.apiFor(appid);
    if (api === undefined) throw new Error(`no WeChat API client for account ${appid}`);
    let code: QrCode;
    try {
      code = await api.createQrCode(request);
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
function qrRequestOf(body: unknown): QrCodeRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(
      400,
      'invalid_body',
      'send a JSON object {"scene": "…", "permanent"?: bool, "expireSeconds"?: n} with Content-Type: application/json',
    );
  }
  const { scene, permanent, expireSeconds } = body as Record<string, unknown>;
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
    scene,
    ...(permanent !== undefined ? { permanent } : {}),
    ...(typeof expireSeconds === 'number' ? { expireSeconds } : {}),
  };
}

function apiErrorOf(err: unknown): unknown {
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
