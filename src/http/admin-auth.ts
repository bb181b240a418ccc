import type { Context, Next } from 'koa';
import { safeEqual } from '../wire/signature.js';
import { ApiError } from './api-error.js';

/**
 * `Authorization: Bearer $ADMIN_TOKEN` for every /api/* route (INTERFACE.md §5). The comparison is constant
 * time; the 401 body says nothing about why.
 */
export function requireAdminToken(adminToken: string) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const header = ctx.get('authorization');
    const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!given || !safeEqual(given, adminToken)) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new ApiError(401, 'unauthorized', 'a valid admin token is required');
    }
    await next();
  };
}
