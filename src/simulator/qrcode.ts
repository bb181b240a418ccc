import { wxError } from './api-errors.js';
import { newQrUrl, newTicket } from './ids.js';

/** The four action names of qrcode/create (§6.5). */
export type QrActionName = 'QR_SCENE' | 'QR_STR_SCENE' | 'QR_LIMIT_SCENE' | 'QR_LIMIT_STR_SCENE';

/** A parametric QR code an account created. */
export interface QrCode {
  readonly ticket: string;
  readonly url: string;
  readonly actionName: QrActionName;
  /** Set for the id variants (0 when `action_info.scene` was omitted, WeChat's quirk). */
  readonly sceneId?: number | undefined;
  readonly sceneStr?: string | undefined;
  /** Unix ms; absent for permanent codes. */
  readonly expiresAt?: number | undefined;
}

export const MAX_EXPIRE_SECONDS = 2_592_000;
export const DEFAULT_EXPIRE_SECONDS = 60;
const MAX_TEMP_SCENE_ID = 0xffff_ffff;
const MAX_LIMIT_SCENE_ID = 100_000;
const MAX_SCENE_STR = 64;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates a qrcode/create body and makes the code. Rules (§6.5): temporary codes expire in ≤ 2 592 000 s
 * (default 60); temporary scene_id is a non-zero 32-bit integer, permanent 1…100000; scene_str 1…64
 * characters. Omitting `action_info.scene` is accepted and yields scene 0 (`qrscene_0`), as WeChat does.
 * WeChat documents no specific code for these mistakes: a bad action_name or expire_seconds answers
 * 40035 "invalid args", a bad scene 40053 "invalid action info" (chosen).
 */
export function makeQrCode(body: unknown, now: number): QrCode {
  if (!isRecord(body)) throw wxError(47001, 'body must be a JSON object');
  const action = body['action_name'];
  if (
    action !== 'QR_SCENE' &&
    action !== 'QR_STR_SCENE' &&
    action !== 'QR_LIMIT_SCENE' &&
    action !== 'QR_LIMIT_STR_SCENE'
  ) {
    throw wxError(40035, `action_name ${String(action)}`);
  }
  const permanent = action.startsWith('QR_LIMIT_');
  let expiresAt: number | undefined;
  if (!permanent) {
    const raw = body['expire_seconds'] ?? DEFAULT_EXPIRE_SECONDS;
    const seconds = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
    if (
      typeof seconds !== 'number' ||
      !Number.isInteger(seconds) ||
      seconds < 1 ||
      seconds > MAX_EXPIRE_SECONDS
    ) {
      throw wxError(40035, `expire_seconds must be 1 to ${MAX_EXPIRE_SECONDS}`);
    }
    expiresAt = now + seconds * 1000;
  }
  const info = body['action_info'];
  const scene = isRecord(info) && isRecord(info['scene']) ? info['scene'] : undefined;
  const base = { ticket: newTicket(), url: newQrUrl(), actionName: action as QrActionName, expiresAt };
  if (!scene) return { ...base, sceneId: 0 };
  if (action.endsWith('_STR_SCENE')) {
    const sceneStr = scene['scene_str'];
    if (typeof sceneStr !== 'string' || sceneStr.length < 1 || sceneStr.length > MAX_SCENE_STR) {
      throw wxError(40053, `scene_str must be 1 to ${MAX_SCENE_STR} characters`);
    }
    return { ...base, sceneStr };
  }
  const sceneId = scene['scene_id'];
  const max = permanent ? MAX_LIMIT_SCENE_ID : MAX_TEMP_SCENE_ID;
  if (typeof sceneId !== 'number' || !Number.isInteger(sceneId) || sceneId < 1 || sceneId > max) {
    throw wxError(40053, `scene_id must be 1 to ${max}`);
  }
  return { ...base, sceneId };
}

/** The scene as events carry it: the id in decimal or the string (§3.3). */
export function sceneValue(qr: QrCode): string {
  return qr.sceneStr ?? String(qr.sceneId ?? 0);
}

/** A key identifying "the same scene" of the same kind, so a permanent scene keeps one ticket. */
export function sceneKey(qr: Pick<QrCode, 'sceneId' | 'sceneStr'>): string {
  return qr.sceneStr !== undefined ? `str:${qr.sceneStr}` : `id:${qr.sceneId ?? 0}`;
}

/** The qrcode/create answer: `expire_seconds` only for temporary codes (§6.5). */
export function qrCreateBody(qr: QrCode, now: number): Record<string, unknown> {
  return {
    ticket: qr.ticket,
    ...(qr.expiresAt !== undefined ? { expire_seconds: Math.round((qr.expiresAt - now) / 1000) } : {}),
    url: qr.url,
  };
}
