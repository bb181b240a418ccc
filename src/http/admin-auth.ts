import type { Context, Next } from 'koa';
import { safeEqual } from '../wire/signature.js';
import { bearerToken } from './access-gate.js';
import { ApiError } from './api-error.js';

/**
 * `Authorization: Bearer $ADMIN_TOKEN` on one router (INTERFACE.md §5). The comparison is constant time; the
 * 401 body says nothing about why. In the server the app-wide gate (access-gate.ts) is what protects /api,
 * whatever the path's spelling; this check stays on the API router as a second line, and for apps that mount
 * the API routers themselves.
 */
export function requireAdminToken(adminToken: string) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const given = bearerToken(ctx);
    if (!given || !safeEqual(given, adminToken)) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new ApiError(401, 'unauthorized', 'a valid admin token is required');
    }
    await next();
  };
}
