/**
 * bench/lib/scale-load.mjs — fills a store with N followers of one account through the store's own code
 * (issue 11: "loads through the store's own code, not raw SQL"), in the shapes a real account has:
 *
 *   - every follower listed as `wxoa sync` lists them (markListed, 1 000 a page) and enriched
 *     (saveEnrichment; a third get a UnionID);
 *   - a tenth came through one of four QR scenes: a follow and a scan each (recordEvent), a third of those
 *     left again;
 *   - a tenth have a conversation of 4 messages (messages.add, inbound and outbound alternating);
 *   - 300 QR codes (qrcodes.add).
 *
 * At 1 M followers: 233 k events, 400 k messages, 100 k conversations.
 */
import { performance } from 'node:perf_hooks';

export const APPID = 'wxbench00000000001';
export const SCENES = ['spring', 'summer', 'autumn', 'winter'];
export const openid = (i) => `o${String(i).padStart(9, '0')}`;

/** Whether the store already holds a load of at least `n` followers (a reused file). */
export async function loaded(store, n) {
  const counts = await store.followers.counts(APPID);
  return counts.total >= n;
}

/** Loads `n` followers; `progress(label)` is called after each phase. Returns the seconds it took. */
export async function loadFollowers(store, n, progress = () => {}) {
  const t0 = performance.now();
  // A few pages at a time: PostgreSQL runs them on pooled connections in parallel (SQLite one after another).
  const starts = Array.from({ length: Math.ceil(n / 1000) }, (_, p) => p * 1000);
  await inParallel(starts, 4, async (i) => {
    const page = Array.from({ length: Math.min(1000, n - i) }, (_, k) => openid(i + k));
    await store.followers.markListed(APPID, page, 'load');
    await store.followers.saveEnrichment(
      APPID,
      page.map((o, k) => ({
        openid: o,
        subscribe: 1,
        language: 'zh_CN',
        tagid_list: [],
        remark: '',
        subscribe_time: 1_600_000_000 + i + k,
        ...((i + k) % 3 === 0 ? { unionid: `u${i + k}` } : {}),
      })),
    );
  });
  progress('followers');
  let seq = 0;
  const events = [];
  for (let i = 0; i < n; i += 10) {
    const scene = SCENES[(i / 10) % SCENES.length];
    events.push({ type: 'subscribe', openid: openid(i), scene }, { type: 'scan', openid: openid(i), scene });
    if (i % 30 === 0) events.push({ type: 'unsubscribe', openid: openid(i), scene: null });
  }
  for (let i = 0; i < events.length; i += 500) {
    await Promise.all(
      events.slice(i, i + 500).map((e) =>
        store.followers.recordEvent({
          appid: APPID,
          ...e,
          ticket: null,
          createTime: 1_700_000_000 + seq,
          dedupKey: `bench|${seq++}`,
        }),
      ),
    );
  }
  progress(`${events.length} events`);
  let messages = 0;
  const batch = [];
  for (let i = 5; i < n; i += 10) {
    for (let m = 0; m < 4; m++) {
      const direction = m % 2 === 0 ? 'in' : 'out';
      batch.push({
        appid: APPID,
        openid: openid(i),
        direction,
        type: 'text',
        content: direction === 'in' ? `question ${m} from ${i}` : `answer ${m}`,
        createTime: 1_700_000_000 + i + m,
        ...(direction === 'in' ? { msgId: `${i}${m}` } : { via: 'operator' }),
      });
    }
    if (batch.length >= 800) {
      messages += batch.length;
      await Promise.all(batch.splice(0).map((msg) => store.messages.add(msg)));
    }
  }
  messages += batch.length;
  await Promise.all(batch.splice(0).map((msg) => store.messages.add(msg)));
  progress(`${messages} messages`);
  for (let q = 0; q < 300; q++) {
    await store.qrcodes.add({
      appid: APPID,
      scene: SCENES[q % SCENES.length] + (q >= 4 ? `-${q}` : ''),
      ticket: `ticket${q}`,
      url: `http://weixin.qq.com/q/${q}`,
      imageUrl: `https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=ticket${q}`,
      permanent: q % 2 === 0,
      expiresAt: q % 2 === 0 ? null : 1_800_000_000_000,
      label: q % 5 === 0 ? `poster ${q}` : null,
      createdAt: 1_700_000_000_000 + q,
    });
  }
  progress('300 QR codes');
  return (performance.now() - t0) / 1000;
}

/** Runs `task` over `items`, `limit` at a time. */
async function inParallel(items, limit, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}
