/** QR campaigns: every parametric QR code created through wxoa, kept (issue 10). */
export { MAX_QR_LABEL_LENGTH, type QrCodeInput, type QrCodeRepo, type StoredQrCode } from './qrcode-repo.js';
export { createAndKeepQrCode, normalizeQrLabel, QrLabelError, type QrCodeCreator } from './qrcode-service.js';
