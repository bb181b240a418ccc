import type { Context } from 'koa';
import { SimulatorError } from '../simulator-error.js';
import { isRecord, readRawBody } from './api-kit.js';

/**
 * The control API's JSON body (`/sim/...`): empty means `{}`; anything but a JSON object is a SimulatorError
 * (`invalid`), which controlErrors turns into the control API's 400.
 */
export async function controlBody(ctx: Context): Promise<Record<string, unknown>> {
  const raw = await readRawBody(ctx.req);
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new SimulatorError('invalid', 'the body must be JSON');
  }
  if (!isRecord(parsed)) throw new SimulatorError('invalid', 'the body must be a JSON object');
  return parsed;
}

/** A control body's optional string field: absent or null is undefined, another type is `invalid`. */
export function optionalText(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new SimulatorError('invalid', `${name} must be a string`);
  return v;
}
