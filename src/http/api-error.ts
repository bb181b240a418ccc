import type { Context, Next } from 'koa';
import type { Logger } from '../logger.js';
import { CLIENT_GONE, clientGone } from './errors.js';

/** An error the admin API answers with `{"error": {"code", "message"}}` (INTERFACE.md §5). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Turns thrown errors into the JSON error shape. ApiError keeps its status and message; anything else is a
 * 500 whose details stay in the log, never in the body.
 */
export function apiErrors(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (err) {
      if (clientGone(ctx)) {
        // Hung up mid-body (koa-body's "request aborted"): no one to answer, nothing of ours failed.
        logger.debug({ method: ctx.method, path: ctx.path, reason: (err as Error).message }, CLIENT_GONE);
        return;
      }
      if (err instanceof ApiError) {
        ctx.status = err.status;
        ctx.body = { error: { code: err.code, message: err.message } };
        return;
      }
      const status = (err as { status?: number; expose?: boolean }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        // koa-body and Koa's own 4xx (bad JSON, body too large): safe to pass on.
        ctx.status = status;
        ctx.body = { error: { code: 'bad_request', message: (err as Error).message } };
        return;
      }
      logger.error({ err, path: ctx.path, method: ctx.method }, 'admin API request failed');
      ctx.status = 500;
      ctx.body = { error: { code: 'internal', message: 'internal error' } };
    }
  };
}
