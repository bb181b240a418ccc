import { expect } from 'chai';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { CSV_COLUMNS, csvRow, exportFollowers, jsonlRow } from '../../src/followers/export.js';
import type { Follower } from '../../src/store/types.js';

function follower(overrides: Partial<Follower> = {}): Follower {
  return {
    appid: 'wx0000000000000001',
    openid: 'o_plain',
    unionid: null,
    subscribed: true,
    subscribeTime: 1700000000,
    unsubscribeTime: null,
    scene: null,
    subscribeScene: null,
    qrScene: null,
    qrSceneStr: null,
    tags: [],
    remark: '',
    language: null,
    enrichedAt: null,
    blacklisted: false,
    ...overrides,
  };
}

/** Splits one RFC 4180 row (CRLF-terminated) into cells, unquoting as a spreadsheet would. */
function parseCsvRow(row: string): string[] {
  expect(row.endsWith('\r\n')).to.equal(true);
  const text = row.slice(0, -2);
  const cells: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      let cell = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q === -1) throw new Error('unterminated quote');
        cell += text.slice(i, q);
        if (text[q + 1] === '"') {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      cells.push(cell);
      i++; // the comma
    } else {
      const comma = text.indexOf(',', i);
      const end = comma === -1 ? text.length : comma;
      cells.push(text.slice(i, end));
      i = end + 1;
    }
  }
  return cells;
}

describe('follower export format', () => {
  it('writes one CSV cell per column of the follower object, nulls as empty cells', () => {
    const cells = parseCsvRow(
      csvRow(follower({ unionid: 'u1', tags: [2, 128], qrScene: 0, enrichedAt: '2026-01-01T00:00:00.000Z' })),
    );
    expect(cells).to.have.length(CSV_COLUMNS.length + 1);
    const byName = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, cells[i]]));
    expect(byName).to.include({
      appid: 'wx0000000000000001',
      openid: 'o_plain',
      unionid: 'u1',
      subscribed: 'true',
      subscribeTime: '1700000000',
      unsubscribeTime: '',
      qrScene: '0',
      tags: '2;128',
      enrichedAt: '2026-01-01T00:00:00.000Z',
      blacklisted: 'false',
    });
  });

  it('names the tags in the last column and shows the blacklist flag (issue 14)', () => {
    const cells = parseCsvRow(
      csvRow(
        follower({ tags: [2, 128, 7], blacklisted: true }),
        new Map([
          [2, '星标组'],
          [128, 'VIP, gold'],
        ]),
      ),
    );
    expect(cells[CSV_COLUMNS.indexOf('blacklisted')]).to.equal('true');
    expect(cells[cells.length - 1]).to.equal('星标组;VIP, gold;7');
  });

  it('quotes commas, quotes and line breaks so the text survives a round trip', () => {
    const remark = 'said "hi", then\r\nleft';
    const cells = parseCsvRow(csvRow(follower({ remark, scene: 'a,b' })));
    expect(cells[CSV_COLUMNS.indexOf('remark')]).to.equal(remark);
    expect(cells[CSV_COLUMNS.indexOf('scene')]).to.equal('a,b');
  });

  for (const start of ['=', '+', '-', '@', '\t']) {
    it(`neutralises a text cell starting with ${JSON.stringify(start)} with a leading quote`, () => {
      const payload = `${start}HYPERLINK("http://evil.example","x")`;
      const cells = parseCsvRow(csvRow(follower({ remark: payload, qrSceneStr: payload })));
      expect(cells[CSV_COLUMNS.indexOf('remark')]).to.equal(`'${payload}`);
      expect(cells[CSV_COLUMNS.indexOf('qrSceneStr')]).to.equal(`'${payload}`);
    });
  }

  it('leaves negative numbers as numbers', () => {
    const cells = parseCsvRow(csvRow(follower({ qrScene: -5 })));
    expect(cells[CSV_COLUMNS.indexOf('qrScene')]).to.equal('-5');
  });

  it('writes JSON Lines rows with exactly the follower object fields', () => {
    const row = jsonlRow({ ...follower({ unionid: 'u1' }), extra: 'internal' } as Follower);
    expect(row.endsWith('\n')).to.equal(true);
    const parsed = JSON.parse(row) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).to.deep.equal([...CSV_COLUMNS].sort());
    expect(parsed['unionid']).to.equal('u1');
  });

  it('pulls rows only as fast as a slow reader takes them (backpressure)', async function () {
    this.timeout(60_000);
    const total = 200_000;
    let produced = 0;
    let consumedBytes = 0;
    let maxAhead = 0;
    const bytesPerRow = csvRow(follower({ openid: 'o_000000000' })).length;
    const source = {
      async *iterate() {
        for (let i = 0; i < total; i++) {
          produced++;
          yield follower({ openid: `o_${String(i).padStart(9, '0')}` });
        }
      },
    };
    const out = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _enc, done) {
        consumedBytes += chunk.length;
        maxAhead = Math.max(maxAhead, produced - consumedBytes / bytesPerRow);
        setImmediate(done); // a reader slower than the producer
      },
    });
    const rows = await exportFollowers(source, { format: 'csv', out });
    out.end();
    await once(out, 'finish');
    expect(rows).to.equal(total);
    // Without waiting for drain the producer would run all 200 000 rows ahead of the reader.
    expect(maxAhead).to.be.below(5_000);
  });

  it('stops with an error when the reader goes away instead of waiting forever', async () => {
    const source = {
      async *iterate() {
        for (let i = 0; ; i++) yield follower({ openid: `o_${i}` });
      },
    };
    const out = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, done) {
        setImmediate(() => done(new Error('EPIPE')));
      },
    });
    let caught: unknown;
    try {
      await exportFollowers(source, { format: 'jsonl', out });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(Error);
  });
});
