#!/usr/bin/env node
/**
 * bench/storage.mjs — bytes a follower on SQLite: loads N followers with realistic events through the store's
 * own code (recordEvent, saveEnrichment; not raw SQL), then prints page_count × page_size / N, and per table.
 *
 *   npm run build && node bench/storage.mjs [--followers 200000] [--file /tmp/x.db]
 *
 * Each follower: a follow (60 % through a QR code: scene + WeChat's ~96-character ticket, 40 % plain), a scan
 * for 30 % of them, an unfollow for 20 %; enriched with a UnionID, language and tags as user/info returns them.
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../dist/src/store/index.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const followers = Number(arg('--followers', '200000'));
const file = arg('--file', path.join(os.tmpdir(), `wxoa-storage-${process.pid}.db`));
rmSync(file, { force: true });
const appid = 'wx1234567890abcdef';
const store = await openStore(`sqlite:${file}`);
const ticket = (scene) =>
  `gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw${scene}`.slice(
    0,
    96,
  );
const openid = (i) => `oBench${String(i).padStart(22, '0')}`;
const t0 = 1_700_000_000;
const started = Date.now();
const BATCH = 500;
for (let from = 0; from < followers; from += BATCH) {
  const writes = [];
  const infos = [];
  for (let i = from; i < Math.min(followers, from + BATCH); i++) {
    const o = openid(i);
    const qr = i % 5 < 3;
    const scene = qr ? `campaign${i % 40}` : null;
    const at = t0 + i;
    const event = (type, createTime, s, t, key) => ({
      appid,
      openid: o,
      type,
      scene: s,
      ticket: t,
      createTime,
      dedupKey: `${o}:${createTime}:${type}:${key}`,
    });
    writes.push(
      store.followers.recordEvent(
        event('subscribe', at, scene, qr ? ticket(scene) : null, qr ? `qrscene_${scene}` : ''),
      ),
    );
    if (i % 10 < 3)
      writes.push(
        store.followers.recordEvent(
          event('scan', at + 3600, `campaign${i % 7}`, ticket(`campaign${i % 7}`), `campaign${i % 7}`),
        ),
      );
    if (i % 5 === 4)
      writes.push(store.followers.recordEvent(event('unsubscribe', at + 86400, null, null, '')));
    infos.push({
      openid: o,
      subscribe: i % 5 === 4 ? 0 : 1,
      unionid: `oUnion${String(i).padStart(22, '0')}`,
      language: 'zh_CN',
      tagid_list: [2],
      remark: '',
      subscribe_scene: qr ? 'ADD_SCENE_QR_CODE' : 'ADD_SCENE_SEARCH',
      subscribe_time: at,
    });
  }
  await Promise.all(writes);
  for (let k = 0; k < infos.length; k += 100)
    await store.followers.saveEnrichment(appid, infos.slice(k, k + 100));
}
await store.close();
// Read the sizes with a plain connection after a checkpoint, so the WAL is in the file.
const { default: Database } = await import('better-sqlite3');
const conn = new Database(file);
conn.pragma('wal_checkpoint(TRUNCATE)');
conn.exec('VACUUM');
const pageSize = conn.pragma('page_size', { simple: true });
const pages = conn.pragma('page_count', { simple: true });
let perTable = [];
try {
  perTable = conn
    .prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 12')
    .all();
} catch {
  // dbstat is not compiled in: the total is still right
}
conn.close();
const total = pages * pageSize;
console.log(
  `${followers} followers loaded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${total} bytes, ${(total / followers).toFixed(0)} bytes a follower`,
);
for (const t of perTable) console.log(`  ${t.name}: ${(t.bytes / followers).toFixed(0)} B/follower`);
rmSync(file, { force: true });
for (const suffix of ['-wal', '-shm']) rmSync(file + suffix, { force: true });
