import type { StoredQrCode } from './qrcode-repo.js';

/** A kept code as INTERFACE.md §5 lists it; times as ISO strings, like the follower's enrichedAt. */
export function qrCodeJson(code: StoredQrCode) {
  return {
    scene: code.scene,
    ticket: code.ticket,
    url: code.url,
    imageUrl: code.imageUrl,
    permanent: code.permanent,
    expiresAt: code.expiresAt === null ? null : new Date(code.expiresAt).toISOString(),
    createdAt: new Date(code.createdAt).toISOString(),
    label: code.label,
  };
}
