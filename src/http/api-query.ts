import type { Context, Next } from 'koa';
import { koaBody } from 'koa-body';
import { ApiError } from './api-error.js';

/** Query and body parsing shared by the admin API routers (INTERFACE.md §5). */

/** A query parameter given at most once; a repeated one is a 400 rather than a silent pick. */
export function singleQuery(ctx: Context, name: string): string | undefined {
  const value = ctx.query[name];
  if (Array.isArray(value)) throw new ApiError(400, 'invalid_query', `${name} may be given only once`);
  return value;
}

/** `?limit=`: an integer from 1 to `max`, `fallback` when absent. */
export function limitQuery(ctx: Context, fallback: number, max: number): number {
  const raw = singleQuery(ctx, 'limit');
  if (raw === undefined || raw === '') return fallback;
  const limit = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new ApiError(
      400,
      'invalid_query',
      `limit must be an integer from 1 to ${max} (got "${raw.slice(0, 20)}")`,
    );
  }
  return limit;
}

/**
 * Resolves `?appid=` against the configured accounts: absent → the primary account; unknown → 404, like
 * a missing resource.
 */
export function accountResolver(
  primary: string | (() => string),
  others: readonly string[] = [],
): (ctx: Context) => string {
  // `others` is read on each call: a third-party platform's authorizers join it while the server runs.
  const primaryOf = typeof primary === 'string' ? () => primary : primary;
  return (ctx) => {
    const appid = singleQuery(ctx, 'appid');
    if (appid === undefined) return primaryOf();
    if (appid !== primaryOf() && !others.includes(appid))
      throw new ApiError(404, 'account_not_found', `no account with AppID ${appid} is configured`);
    return appid;
  };
}

/**
 * The admin API's largest JSON body. Its bodies are small (a message of at most 2 047 bytes of text, a QR
 * request): the limit only stops a client from making the server buffer megabytes.
 */
export const JSON_BODY_LIMIT_BYTES = 64 * 1024;

/** The admin API's one JSON body parser: the server mounts no other, so this limit is the limit. */
const parseJson = koaBody({
  json: true,
  urlencoded: false,
  text: false,
  multipart: false,
  jsonLimit: JSON_BODY_LIMIT_BYTES,
});

/**
 * Parses a JSON body, on the routes that take one. Skipped when an app that mounts these routers parsed the
 * body already (a second parse would wait on a drained stream).
 */
export function jsonBody(ctx: Context, next: Next): Promise<unknown> {
  return ctx.request.body === undefined ? parseJson(ctx, next) : next();
}
