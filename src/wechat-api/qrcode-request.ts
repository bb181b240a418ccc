/**
 * Validation and wire body of `qrcode/create` (WECHAT-PROTOCOL.md §6.5). Checked before anything is sent,
 * because WeChat's answer to a bad scene is not always an error: a missing or zero scene yields a code whose
 * scans arrive as `qrscene_0`.
 */

/** What a caller asks for. */
export interface QrCodeRequest {
  /** A number → `QR_SCENE` / `QR_LIMIT_SCENE`; a string → `QR_STR_SCENE` / `QR_LIMIT_STR_SCENE`. */
  scene: string | number;
  /** Permanent codes are limited to 100 000 per account and never expire. Default false. */
  permanent?: boolean;
  /** Temporary codes only: 1 … 2 592 000 (30 days). Default {@link DEFAULT_QR_EXPIRE_SECONDS}. */
  expireSeconds?: number;
}

/** The longest life of a temporary code: 30 days (§6.5). */
export const MAX_QR_EXPIRE_SECONDS = 2_592_000;

/**
 * Temporary codes live 30 days unless asked otherwise. WeChat's own default (60 s when `expire_seconds` is
 * omitted) is never what a campaign wants, so the field is always sent, and the longest life is the least
 * surprising one for a code that gets printed.
 */
export const DEFAULT_QR_EXPIRE_SECONDS = MAX_QR_EXPIRE_SECONDS;

/** Highest `scene_id` of a permanent code (§6.5). */
export const MAX_PERMANENT_SCENE_ID = 100_000;

/**
 * Highest `scene_id` of a temporary code. The doc says "32-bit non-zero integer" without a sign; 1 … 2^31-1
 * is valid under either reading, and a negative id would make `qrscene_-5` event keys.
 */
export const MAX_TEMPORARY_SCENE_ID = 2_147_483_647;

/** Longest `scene_str`, in characters (§6.5), counted in UTF-16 code units. */
export const MAX_SCENE_STR_LENGTH = 64;

/** A QR code request WeChat would refuse or misread; nothing was sent. */
export class QrCodeRequestError extends Error {
  override readonly name = 'QrCodeRequestError';
  /** The request field at fault. */
  readonly field: 'scene' | 'permanent' | 'expireSeconds';

  constructor(field: 'scene' | 'permanent' | 'expireSeconds', message: string) {
    super(message);
    this.field = field;
  }
}

/** The `qrcode/create` body WeChat expects (§6.5). */
export type QrCodeCreateBody =
  | { expire_seconds: number; action_name: 'QR_SCENE'; action_info: { scene: { scene_id: number } } }
  | { expire_seconds: number; action_name: 'QR_STR_SCENE'; action_info: { scene: { scene_str: string } } }
  | { action_name: 'QR_LIMIT_SCENE'; action_info: { scene: { scene_id: number } } }
  | { action_name: 'QR_LIMIT_STR_SCENE'; action_info: { scene: { scene_str: string } } };

/** Validates `req` and builds the body; throws QrCodeRequestError naming the problem. */
export function buildQrCodeBody(req: QrCodeRequest): QrCodeCreateBody {
  const permanent = req.permanent ?? false;
  if (typeof permanent !== 'boolean') {
    throw new QrCodeRequestError('permanent', `permanent must be true or false (got ${describe(permanent)})`);
  }
  if (permanent && req.expireSeconds !== undefined) {
    throw new QrCodeRequestError(
      'expireSeconds',
      'expireSeconds applies to temporary QR codes only; a permanent code never expires',
    );
  }
  const expire = req.expireSeconds ?? DEFAULT_QR_EXPIRE_SECONDS;
  if (!permanent && !(Number.isInteger(expire) && expire >= 1 && expire <= MAX_QR_EXPIRE_SECONDS)) {
    throw new QrCodeRequestError(
      'expireSeconds',
      `expireSeconds must be a whole number of seconds from 1 to ${MAX_QR_EXPIRE_SECONDS} (30 days) (got ${describe(expire)})`,
    );
  }

  const { scene } = req;
  if (typeof scene === 'number') {
    const max = permanent ? MAX_PERMANENT_SCENE_ID : MAX_TEMPORARY_SCENE_ID;
    if (!(Number.isInteger(scene) && scene >= 1 && scene <= max)) {
      throw new QrCodeRequestError(
        'scene',
        `a numeric scene of a ${permanent ? 'permanent' : 'temporary'} QR code must be a whole number from 1 to ${max} (got ${describe(scene)}); use a string scene for anything else`,
      );
    }
    const action_info = { scene: { scene_id: scene } };
    return permanent
      ? { action_name: 'QR_LIMIT_SCENE', action_info }
      : { expire_seconds: expire, action_name: 'QR_SCENE', action_info };
  }
  if (typeof scene === 'string') {
    // UTF-16 length: never less than the character count, so the stricter reading of "64 characters".
    const length = scene.length;
    if (length < 1 || length > MAX_SCENE_STR_LENGTH) {
      throw new QrCodeRequestError(
        'scene',
        `a string scene must be 1 to ${MAX_SCENE_STR_LENGTH} characters long (got ${length})`,
      );
    }
    const action_info = { scene: { scene_str: scene } };
    return permanent
      ? { action_name: 'QR_LIMIT_STR_SCENE', action_info }
      : { expire_seconds: expire, action_name: 'QR_STR_SCENE', action_info };
  }
  throw new QrCodeRequestError('scene', `scene must be a string or a number (got ${describe(scene)})`);
}

/** The image address of a ticket (§6.5): WeChat's `mp.weixin.qq.com`, or the same path on another API base (the simulator). */
export function qrCodeImageUrl(ticket: string, apiBase: string): string {
  const base = new URL(apiBase);
  // Regional API hosts (api2., sh.api. …) all serve images from mp.weixin.qq.com.
  const weixin = base.hostname === 'weixin.qq.com' || base.hostname.endsWith('.weixin.qq.com');
  const origin = weixin ? 'https://mp.weixin.qq.com' : apiBase.replace(/\/+$/, '');
  return `${origin}/cgi-bin/showqrcode?ticket=${encodeURIComponent(ticket)}`;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
