import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { CSV_COLUMNS, exportFollowers } from '../../src/followers/export.js';
import type { Store } from '../../src/store/types.js';
import { ENGINES, testDb, type TestDb } from './support.js';

const A = 'wxaaaaaaaaaaaaaaaa';
const B = 'wxbbbbbbbbbbbbbbbb';

/** Collects what an export writes. */
function sink(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { out, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Splits RFC 4180 text into rows of cells (quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  expect(cell).to.equal('');
  expect(row).to.deep.equal([]);
  return rows;
}

for (const engine of ENGINES) {
  describe(`follower export from the store (${engine})`, function () {
    this.timeout(60_000);
    let db: TestDb;
    let store: Store;
    const tricky = '=cmd|"/c calc"!A1, and a\nnew line';

    beforeEach(async function () {
      db = await testDb(engine, this);
      store = await db.open();
      // 2 500 followers of A: more than one keyset page of the store's iterate().
      const openids = Array.from({ length: 2500 }, (_, i) => `o_a_${String(i).padStart(5, '0')}`);
      await store.followers.markListed(A, openids, 'sync-1');
      await store.followers.saveEnrichment(A, [
        { openid: openids[7]!, subscribe: 1, unionid: 'u_seven', remark: tricky, tagid_list: [2, 128] },
      ]);
      await store.followers.markListed(B, ['o_b_1', 'o_b_2', 'o_b_3'], 'sync-2');
    });

    afterEach(() => db.dispose());

    it('writes every follower as CSV with a header, quoted and neutralised text', async () => {
      const { out, text } = sink();
      const rows = await exportFollowers(store.followers, { format: 'csv', out });
      expect(rows).to.equal(2503);

      const parsed = parseCsv(text());
      expect(parsed[0]).to.deep.equal([...CSV_COLUMNS, 'tagNames']);
      expect(parsed).to.have.length(2504);
      const byOpenid = new Map(parsed.slice(1).map((cells) => [cells[1], cells]));
      expect(byOpenid.size).to.equal(2503);
      const seven = byOpenid.get('o_a_00007')!;
      expect(seven[CSV_COLUMNS.indexOf('remark')]).to.equal(`'${tricky}`);
      expect(seven[CSV_COLUMNS.indexOf('unionid')]).to.equal('u_seven');
      expect(seven[CSV_COLUMNS.indexOf('tags')]).to.equal('2;128');
      expect(byOpenid.get('o_b_2')?.[0]).to.equal(B);
    });

    it('writes one account as JSON Lines of follower objects', async () => {
      const { out, text } = sink();
      const rows = await exportFollowers(store.followers, { format: 'jsonl', appid: A, out });
      expect(rows).to.equal(2500);

      const lines = text().split('\n');
      expect(lines.pop()).to.equal('');
      const followers = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(followers).to.have.length(2500);
      expect(new Set(followers.map((f) => f['openid'])).size).to.equal(2500);
      expect(followers.every((f) => f['appid'] === A)).to.equal(true);
      const seven = followers.find((f) => f['openid'] === 'o_a_00007')!;
      expect(Object.keys(seven).sort()).to.deep.equal([...CSV_COLUMNS].sort());
      expect(seven).to.include({ remark: tricky, unionid: 'u_seven', subscribed: true });
    });
  });
}
