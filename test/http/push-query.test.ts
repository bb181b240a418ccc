import { parse } from 'node:querystring';
import { expect } from 'chai';
import { SIGNED_PARAMS } from '../../src/bot/receive.js';
import { parsePushQuery } from '../../src/http/push-query.js';

/** What the webhook read before: node:querystring's whole parse, narrowed to the names it reads. */
function reference(search: string): Record<string, string | string[]> {
  const all = parse(search);
  const out: Record<string, string | string[]> = {};
  for (const name of SIGNED_PARAMS) {
    const value = all[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

describe('http/push-query: the query parameters a push is checked on', () => {
  it('reads them as node:querystring does: escapes, +, repeats, empty and odd pairs', () => {
    const cases = [
      '',
      'signature=abc&timestamp=1700000000&nonce=123&openid=o1',
      'signature=abc&signature=def',
      'signature=abc&signature=def&signature=x',
      'timestamp&nonce=&signature',
      '&&timestamp=1&&',
      'nonce=a=b=c',
      'nonce=a+b%20c%2B',
      'non%63e=1&sig%6Eature=%E4%B8%AD',
      'nonce=%zz&timestamp=%E4',
      'encrypt_type=aes&msg_signature=ff&echostr=x%3D%3D',
      '=x&+=y&nonce+=1&nonce =2',
      `${'a=1&'.repeat(998)}nonce=1&timestamp=2`,
      `${'&'.repeat(1200)}nonce=1`,
    ];
    for (const search of cases) {
      expect(parsePushQuery(search), search.slice(0, 80)).to.deep.equal(reference(search));
    }
  });

  it('agrees with node:querystring on random strings of query characters', () => {
    // A seeded LCG over an alphabet that makes names, separators and escapes collide often.
    const alphabet = [
      '&',
      '=',
      '+',
      '%',
      '%2',
      '%3D',
      '%26',
      'nonce',
      'signature',
      'timestamp',
      'a',
      '1',
      ' ',
    ];
    let seed = 12345;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      let search = '';
      for (let k = next(12); k > 0; k--) search += alphabet[next(alphabet.length)];
      expect(parsePushQuery(search), JSON.stringify(search)).to.deep.equal(reference(search));
    }
  });
});
