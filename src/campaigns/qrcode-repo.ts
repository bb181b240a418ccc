/** A parametric QR code created through wxoa (WECHAT-PROTOCOL.md §6.5), as kept: WeChat cannot list them again. */
export interface StoredQrCode {
  appid: string;
  /** scene_str, or scene_id written in decimal. */
  scene: string;
  ticket: string;
  /** What the code encodes. */
  url: string;
  /** WeChat's image of it (showqrcode). */
  imageUrl: string;
  permanent: boolean;
  /** Unix ms when a temporary code stops working; null for a permanent one. */
  expiresAt: number | null;
  /** The operator's name for it ("poster at the door"), null when none was given. */
  label: string | null;
  /** Unix ms. */
  createdAt: number;
}

/** What {@link QrCodeRepo.add} takes: createdAt is the creator's, so it and expiresAt share one clock. */
export type QrCodeInput = StoredQrCode;

/** Every QR code created through wxoa, per account. */
export interface QrCodeRepo {
  add(code: QrCodeInput): Promise<StoredQrCode>;
  get(appid: string, ticket: string): Promise<StoredQrCode | null>;
  /** Newest first, keyset-paged: following `nextCursor` until null reaches every code. */
  list(query: {
    appid: string;
    limit: number;
    cursor?: string;
  }): Promise<{ qrcodes: StoredQrCode[]; nextCursor: string | null }>;
  /** Sets or (with null) clears the label; false when the account has no code with this ticket. */
  setLabel(appid: string, ticket: string, label: string | null): Promise<boolean>;
}

/** The longest label kept, in characters: a name to find a code by, not a description. */
export const MAX_QR_LABEL_LENGTH = 100;
