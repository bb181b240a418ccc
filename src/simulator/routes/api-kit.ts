import type { IncomingMessage } from 'node:http';
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { wxError } from '../api-errors.js';
import type { Account } from '../account.js';
import type { World } from '../world.js';

/** Largest request body accepted (WeChat's own limits are far lower for JSON APIs). */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** Reads the whole body as UTF-8; WeChat APIs take the raw JSON whatever the Content-Type says. */
export async function readRawBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw Object.assign(new Error('request body too large'), { status: 413, expose: true });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The query with one string per name (the first, when a name repeats). */
export function queryOf(ctx: Context): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.query)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[name] = first;
  }
  return out;
}

/** One query parameter; empty strings count as absent, as WeChat treats them. */
export function param(ctx: Context, name: string): string | undefined {
  const value = queryOf(ctx)[name];
  return value === undefined || value === '' ? undefined : value;
}

/** The JSON body of a POST API: 44002 when empty, 47001 when not a JSON object (§7). */
export function jsonBody(ctx: Context): Record<string, unknown> {
  const raw = String(ctx.state['rawBody'] ?? '');
  if (raw.trim() === '') throw wxError(44002);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw wxError(47001, 'body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw wxError(47001, 'body is not a JSON object');
  return parsed as Record<string, unknown>;
}

/** The account an access_token belongs to (§7: 41001 / 40014 / 40001 / 42001). */
export function authed(ctx: Context, world: World): Account {
  const appid = world.tokens.check(param(ctx, 'access_token'));
  ctx.state['appid'] = appid;
  return world.account(appid);
}

/** A handler returning the JSON answer; errors are thrown as `WxApiError`. */
export type ApiHandler = (ctx: Context) => unknown;

/**
 * Registers an API route for one method; the other method answers 43001/43002 as WeChat does.
 * The handler's return value becomes the JSON body.
 */
export function api(router: Router, method: 'GET' | 'POST', path: string, handler: ApiHandler): void {
  router.all(path, async (ctx) => {
    if (ctx.method !== method) throw wxError(method === 'GET' ? 43001 : 43002);
    ctx.body = await handler(ctx);
  });
}

/** True for a non-empty string. */
export function isText(v: unknown): v is string {
  return typeof v === 'string' && v !== '';
}

/** True for a plain object. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
