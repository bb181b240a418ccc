import type { QrCodeInput, QrCodeRepo, StoredQrCode } from '../campaigns/qrcode-repo.js';
import type { Db, SqlValue } from './db.js';
import { decodeKeysetCursor, encodeKeysetCursor } from './keyset-cursor.js';

const CURSOR = 'qrcodes';

interface QrCodeRow {
  id: number;
  appid: string;
  scene: string;
  ticket: string;
  url: string;
  image_url: string;
  permanent: number;
  expires_at: number | string | null;
  label: string | null;
  created_at: number | string;
}

const COLUMNS = 'id, appid, scene, ticket, url, image_url, permanent, expires_at, label, created_at';

/** QrCodeRepo on either database. */
export class SqlQrCodeRepo implements QrCodeRepo {
  constructor(private readonly db: Db) {}

  async add(code: QrCodeInput): Promise<StoredQrCode> {
    // WeChat mints a new ticket per call; a repeated one (a retried insert) keeps the first row.
    await this.db.run(
      `INSERT INTO qrcodes (appid, scene, ticket, url, image_url, permanent, expires_at, label, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (appid, ticket) DO NOTHING`,
      [
        code.appid,
        code.scene,
        code.ticket,
        code.url,
        code.imageUrl,
        code.permanent,
        code.expiresAt,
        code.label,
        code.createdAt,
      ],
    );
    return (await this.get(code.appid, code.ticket)) ?? code;
  }

  async get(appid: string, ticket: string): Promise<StoredQrCode | null> {
    const row = await this.db.get<QrCodeRow>(
      `SELECT ${COLUMNS} FROM qrcodes WHERE appid = ? AND ticket = ?`,
      [appid, ticket],
    );
    return row ? toQrCode(row) : null;
  }

  async list(query: {
    appid: string;
    limit: number;
    cursor?: string;
  }): Promise<{ qrcodes: StoredQrCode[]; nextCursor: string | null }> {
    const limit = Math.max(1, Math.trunc(query.limit));
    const params: SqlValue[] = [query.appid];
    let after = '';
    if (query.cursor !== undefined) {
      const { time, id } = decodeKeysetCursor(CURSOR, query.cursor);
      after = 'AND (created_at, id) < (?, ?)';
      params.push(time, id);
    }
    const rows = await this.db.all<QrCodeRow>(
      `SELECT ${COLUMNS} FROM qrcodes WHERE appid = ? ${after} ORDER BY created_at DESC, id DESC LIMIT ?`,
      [...params, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      qrcodes: page.map(toQrCode),
      nextCursor:
        rows.length > limit && last
          ? encodeKeysetCursor(CURSOR, Number(last.created_at), Number(last.id))
          : null,
    };
  }

  async setLabel(appid: string, ticket: string, label: string | null): Promise<boolean> {
    const changed = await this.db.run('UPDATE qrcodes SET label = ? WHERE appid = ? AND ticket = ?', [
      label,
      appid,
      ticket,
    ]);
    return changed > 0;
  }
}

function toQrCode(row: QrCodeRow): StoredQrCode {
  return {
    appid: row.appid,
    scene: row.scene,
    ticket: row.ticket,
    url: row.url,
    imageUrl: row.image_url,
    permanent: Number(row.permanent) === 1,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    label: row.label,
    createdAt: Number(row.created_at),
  };
}
