import type { Db } from './db.js';
import type { ConsoleSessionRepo } from './types.js';

/** ConsoleSessionRepo on either database: the ids of console sessions ended by logout. */
export class SqlConsoleSessionRepo implements ConsoleSessionRepo {
  constructor(
    private readonly db: Db,
    private readonly clock: () => number,
  ) {}

  async revoke(sid: string, expiresAt: number): Promise<void> {
    await this.db.run(
      `INSERT INTO console_revocations (sid, expires_at) VALUES (?, ?)
       ON CONFLICT (sid) DO UPDATE SET expires_at = excluded.expires_at`,
      [sid, expiresAt],
    );
    // Logouts are rare: each one clears the revocations of sessions that have expired since.
    await this.db.run('DELETE FROM console_revocations WHERE expires_at <= ?', [this.clock()]);
  }

  async isRevoked(sid: string): Promise<boolean> {
    const row = await this.db.get(
      'SELECT 1 AS revoked FROM console_revocations WHERE sid = ? AND expires_at > ?',
      [sid, this.clock()],
    );
    return row !== undefined;
  }
}
