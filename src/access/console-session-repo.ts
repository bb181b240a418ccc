/** Console sessions ended before their expiry (logout), shared by every instance. */
export interface ConsoleSessionRepo {
  /** Records that session `sid` is over; `expiresAt` (Unix ms) is when it would have expired anyway. */
  revoke(sid: string, expiresAt: number): Promise<void>;
  /** True when `sid` was revoked (and has not expired since). */
  isRevoked(sid: string): Promise<boolean>;
}
