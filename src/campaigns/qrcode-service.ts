import { silentLogger, type Logger } from '../logger.js';
import type { QrCodeRequest } from '../wechat-api/qrcode-request.js';
import type { QrCode } from '../wechat-api/types.js';
import { MAX_QR_LABEL_LENGTH, type QrCodeRepo, type StoredQrCode } from './qrcode-repo.js';

/** What creating a code needs of the WeChat API client: `qrcode/create` (WECHAT-PROTOCOL.md §6.5). */
export interface QrCodeCreator {
  createQrCode(request: QrCodeRequest): Promise<QrCode>;
}

/** A label that cannot be kept: too long. */
export class QrLabelError extends Error {
  override readonly name = 'QrLabelError';
}

/** The label as kept: trimmed, null when blank; throws QrLabelError when longer than the limit. */
export function normalizeQrLabel(label: string | null | undefined): string | null {
  const trimmed = (label ?? '').trim();
  if (trimmed === '') return null;
  if ([...trimmed].length > MAX_QR_LABEL_LENGTH) {
    throw new QrLabelError(
      `label must be at most ${MAX_QR_LABEL_LENGTH} characters (got ${[...trimmed].length})`,
    );
  }
  return trimmed;
}

/**
 * Creates a parametric QR code and keeps it (issue 10): WeChat offers no way to list codes again, so a code
 * not stored at creation is lost. Every way wxoa creates one (admin API, console, `wxoa qrcode create`)
 * goes through here. The label is checked before WeChat is called, so a refused label spends no quota; a
 * failure to store after WeChat made the code is logged and the code still returned, since it exists.
 */
export async function createAndKeepQrCode(options: {
  api: QrCodeCreator;
  repo: QrCodeRepo;
  appid: string;
  request: QrCodeRequest;
  label?: string | null;
  /** Unix ms; default Date.now. */
  clock?: () => number;
  logger?: Logger;
}): Promise<{ created: QrCode; kept: StoredQrCode }> {
  const label = normalizeQrLabel(options.label);
  const clock = options.clock ?? Date.now;
  const code = await options.api.createQrCode(options.request);
  const now = clock();
  const kept = {
    appid: options.appid,
    scene: String(options.request.scene),
    ticket: code.ticket,
    url: code.url,
    imageUrl: code.imageUrl,
    permanent: code.expireSeconds === null,
    expiresAt: code.expireSeconds === null ? null : now + code.expireSeconds * 1000,
    label,
    createdAt: now,
  };
  try {
    return { created: code, kept: await options.repo.add(kept) };
  } catch (err) {
    (options.logger ?? silentLogger).error(
      { err, appid: options.appid, scene: kept.scene },
      'QR code created but storing it failed',
    );
    return { created: code, kept };
  }
}
