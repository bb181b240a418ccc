import { WechatHttpError } from './errors.js';
import type { WechatResponse } from './transport.js';

/** A 200 answer that lacks a field WeChat always sends: a WechatHttpError naming the endpoint and field. */
export function missingField(path: string, key: string): WechatHttpError {
  return new WechatHttpError({
    endpoint: path,
    kind: 'status',
    status: 200,
    detail: `answered without ${key}`,
  });
}

/** A non-empty string field of `path`'s answer, else missingField. */
export function requireString(json: WechatResponse, key: string, path: string): string {
  const value = json[key];
  if (typeof value === 'string' && value !== '') return value;
  throw missingField(path, key);
}

/** A finite number from an answer, else `fallback` (WeChat omits some counts and lifetimes). */
export function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
