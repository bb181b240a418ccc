import { createCipheriv, createDecipheriv } from 'node:crypto';
import { expect } from 'chai';
import { decodeAesKey, MessageCrypto, verifyUrl, wechatSignature } from '../../src/wire/index.js';
import { fillRandom } from '../../src/wire/random-pool.js';
import { expectWireError, vector, vectors } from './helpers.js';

const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APPID = 'wx1234567890abcdef';

/** AES-256-CBC over a hand-made plaintext, to forge buffers MessageCrypto itself would never produce. */
function sealRaw(encodingAesKey: string, plain: Buffer): string {
  const key = Buffer.from(encodingAesKey + '=', 'base64');
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

/** The decrypted bytes before unpadding, to look at the padding encrypt() wrote. */
function openRaw(encodingAesKey: string, encrypted: string): Buffer {
  const key = Buffer.from(encodingAesKey + '=', 'base64');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  return Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
}

/** random(16) | length | message | appid, padded with `pad` bytes of value `padByte`. */
function fullStr(message: Buffer, appId: string, lengthField = message.length, pad?: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(lengthField);
  const body = Buffer.concat([Buffer.from('0123456789abcdef'), len, message, Buffer.from(appId)]);
  const n = 32 - (body.length % 32);
  return Buffer.concat([body, pad ?? Buffer.alloc(n, n)]);
}

describe('wire/crypto', () => {
  describe('against every vector of fixtures/crypto-vectors.json', () => {
    it('holds the ten vectors this suite is written for', () => {
      expect(vectors.map((v) => v.id)).to.have.members([
        'oa-official-sample-spamtest',
        'official-doc-url-verify-get',
        'official-doc-plain-post',
        'official-doc-safe-mode-inbound',
        'official-doc-safe-mode-reply',
        'official-java-sample-pamtest-1',
        'official-java-sample-pamtest-2',
        'wechatpy-work-check-signature',
        'wechatpy-work-encrypt-message',
        'wechatpy-work-decrypt-message',
      ]);
    });

    for (const v of vectors) {
      describe(`${v.id} (${v.kind})`, () => {
        if (v.signature !== undefined) {
          it('computes the 3-part signature', () => {
            expect(wechatSignature(v.token, v.timestamp, v.nonce)).to.equal(v.signature);
          });
        }
        if (v.msgSignature !== null && v.encrypt !== null) {
          it('computes the 4-part msg_signature over Encrypt', () => {
            expect(wechatSignature(v.token, v.timestamp, v.nonce, v.encrypt as string)).to.equal(
              v.msgSignature,
            );
          });
        }
        if (v.encodingAESKey !== null && v.appId !== null && v.encrypt !== null) {
          const crypto = new MessageCrypto(v.encodingAESKey, v.appId);
          const expected = v.plaintext ?? v.plaintextDerived;

          it('decrypts to the plaintext and checks the AppID', () => {
            const message = crypto.decrypt(v.encrypt as string);
            if (expected !== undefined) expect(message).to.equal(expected);
            for (const part of v.expectContains ?? []) expect(message).to.include(part);
          });

          if (v.randomPrefix !== undefined) {
            it('recovers the random prefix', () => {
              expect(crypto.open(v.encrypt as string).random.toString('utf8')).to.equal(v.randomPrefix);
            });
          }

          it('re-encrypts bit-exactly given the same random prefix', () => {
            const { message, random } = crypto.open(v.encrypt as string);
            expect(crypto.encrypt(message, Buffer.from(random))).to.equal(v.encrypt);
          });

          if (v.randomPrefix !== undefined && v.plaintext !== undefined) {
            it('encrypts the plaintext deterministically with the given random prefix', () => {
              expect(crypto.encrypt(v.plaintext as string, Buffer.from(v.randomPrefix as string))).to.equal(
                v.encrypt,
              );
            });
          }
        }
      });
    }

    it('counts msg_len in UTF-8 bytes, not characters (pamtest-1)', () => {
      const v = vector('official-java-sample-pamtest-1');
      const raw = openRaw(v.encodingAESKey as string, v.encrypt as string);
      expect(raw.readUInt32BE(16)).to.equal(19);
    });

    it('reads a 21-byte padding, which a 16-byte-block decoder would reject', () => {
      // §2.3: EasyWeChat's vector pads 21 bytes, more than an AES block; 16-byte PKCS#7 decoders break on it.
      const c = new MessageCrypto(KEY, APPID);
      const message = 'x'.repeat(32 * 3 - 20 - APPID.length - 21);
      const encrypted = c.encrypt(message);
      const raw = openRaw(KEY, encrypted);
      expect(raw[raw.length - 1]).to.equal(21);
      expect(c.decrypt(encrypted)).to.equal(message);
    });
  });

  describe('WeCom-style echostr (wechatpy-work-check-signature)', () => {
    const v = vector('wechatpy-work-check-signature');
    const crypto = new MessageCrypto(v.encodingAESKey as string, v.appId as string);
    const query = {
      msg_signature: v.msgSignature as string,
      timestamp: v.timestamp,
      nonce: v.nonce,
      echostr: v.encrypt as string,
    };

    it('verifies the 4-part signature over the echostr and returns its plaintext', () => {
      const body = verifyUrl({ token: v.token, query, crypto, nowSeconds: 0, toleranceSeconds: 0 });
      expect(body).to.equal(v.plaintextDerived);
    });

    it('fails with a nonce one off (test_check_signature_should_fail)', () => {
      expectWireError(
        () =>
          verifyUrl({
            token: v.token,
            query: { ...query, nonce: '437374424' },
            crypto,
            nowSeconds: 0,
            toleranceSeconds: 0,
          }),
        'signature',
        { code: -40001 },
      );
    });
  });

  describe('round trips', () => {
    const crypto = new MessageCrypto(KEY, APPID);

    it('pads with every size 1..32 and decrypts each back', () => {
      const seen = new Set<number>();
      for (let length = 0; length < 32; length++) {
        const message = 'm'.repeat(length);
        const encrypted = crypto.encrypt(message);
        const raw = openRaw(KEY, encrypted);
        const pad = raw[raw.length - 1] as number;
        expect(raw.length % 32).to.equal(0);
        expect(raw.subarray(raw.length - pad).every((b) => b === pad)).to.equal(true);
        expect((20 + length + APPID.length + pad) % 32).to.equal(0);
        expect(crypto.decrypt(encrypted)).to.equal(message);
        seen.add(pad);
      }
      expect([...seen].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 32 }, (_, i) => i + 1));
    });

    it('keeps multi-byte UTF-8, XML and a 100 KB message intact', () => {
      for (const message of [
        '我是中文abcd123 🎉',
        '<xml><Content><![CDATA[a]]]]><![CDATA[>b]]></Content></xml>',
        'z'.repeat(100_000),
      ]) {
        expect(crypto.decrypt(crypto.encrypt(message))).to.equal(message);
      }
    });

    it('gives every message of a reused instance the bytes a fresh instance gives, also after a failure', () => {
      // MessageCrypto reuses its AES contexts: each message must still be chained to the IV alone.
      const reused = new MessageCrypto(KEY, APPID);
      const random = Buffer.from('0123456789abcdef');
      for (let i = 0; i < 40; i++) {
        const message = `<xml><N>${i}</N>${'x'.repeat(i * 7)}</xml>`;
        const encrypted = reused.encrypt(message, random);
        expect(encrypted).to.equal(new MessageCrypto(KEY, APPID).encrypt(message, random));
        expect(openRaw(KEY, encrypted).subarray(0, 16).equals(random)).to.equal(true);
        const opened = reused.open(sealRaw(KEY, fullStr(Buffer.from(message), APPID)));
        expect(opened.message).to.equal(message);
        expect(opened.random.toString()).to.equal('0123456789abcdef');
        if (i % 10 === 3) expect(() => reused.decrypt('not base64!')).to.throw();
      }
    });

    it('draws a fresh random prefix for every message', () => {
      const a = crypto.open(crypto.encrypt('same'));
      const b = crypto.open(crypto.encrypt('same'));
      expect(a.random.equals(b.random)).to.equal(false);
    });
  });

  describe('the random pool', () => {
    it('hands out distinct bytes across refills of the 4 KiB pool', () => {
      const chunks = new Set<string>();
      const target = Buffer.alloc(16);
      for (let i = 0; i < 600; i++) {
        fillRandom(target, 0, 16);
        chunks.add(target.toString('hex'));
      }
      expect(chunks.size).to.equal(600);
      expect(chunks.has('0'.repeat(32))).to.equal(false);
    });

    it('fills requests larger than the pool directly', () => {
      const big = Buffer.alloc(10_000);
      fillRandom(big, 0, big.length);
      expect(big.subarray(5000).some((b) => b !== 0)).to.equal(true);
      expect(big.subarray(9000).some((b) => b !== 0)).to.equal(true);
    });
  });

  describe('failures are typed WireErrors', () => {
    const crypto = new MessageCrypto(KEY, APPID);

    it('rejects an EncodingAESKey of the wrong length, hinting at a trailing =', () => {
      expectWireError(() => decodeAesKey(KEY.slice(0, 42)), 'crypto', {
        code: -40004,
        message: /43 characters \(got 42\)/,
      });
      expectWireError(() => new MessageCrypto(KEY + '=', APPID), 'crypto', {
        code: -40004,
        message: /trailing '='/,
      });
    });

    it('rejects an EncodingAESKey with characters outside [A-Za-z0-9]', () => {
      for (const bad of [
        KEY.slice(0, 42) + '+',
        KEY.slice(0, 42) + '/',
        KEY.slice(0, 42) + '-',
        KEY.slice(0, 42) + ' ',
      ]) {
        expectWireError(() => decodeAesKey(bad), 'crypto', { code: -40004, message: /A-Z, a-z and 0-9/ });
      }
    });

    it('decodes a valid key to 32 bytes', () => {
      expect(decodeAesKey(KEY)).to.have.length(32);
    });

    it('rejects Encrypt that is not base64', () => {
      for (const bad of ['', 'not base64!', 'abc', 'ab=c', 'a'.repeat(43) + '$']) {
        expectWireError(() => crypto.decrypt(bad), 'crypto', { code: -40010, message: /base64/ });
      }
    });

    it('rejects a ciphertext that is not whole 32-byte blocks', () => {
      expectWireError(() => crypto.decrypt(Buffer.alloc(16).toString('base64')), 'crypto', {
        code: -40008,
        message: /multiple of 32/,
      });
    });

    it('rejects a padding byte outside 1..32', () => {
      for (const last of [0, 33, 255]) {
        const plain = fullStr(Buffer.from('hello'), APPID);
        plain[plain.length - 1] = last;
        expectWireError(() => crypto.decrypt(sealRaw(KEY, plain)), 'crypto', {
          code: -40008,
          message: /padding byte/,
        });
      }
    });

    it('rejects padding bytes that disagree with the last one', () => {
      const plain = fullStr(Buffer.from('hello'), APPID);
      const pad = plain[plain.length - 1] as number;
      expect(pad).to.be.greaterThan(1);
      plain[plain.length - 2] = pad - 1;
      expectWireError(() => crypto.decrypt(sealRaw(KEY, plain)), 'crypto', {
        code: -40008,
        message: /padding/,
      });
    });

    it('rejects a length field longer than what was decrypted', () => {
      const plain = fullStr(Buffer.from('hello'), APPID, 1000);
      expectWireError(() => crypto.decrypt(sealRaw(KEY, plain)), 'crypto', {
        code: -40008,
        message: /length field 1000/,
      });
    });

    it('rejects a decrypted message that is not valid UTF-8, instead of storing U+FFFD', () => {
      const message = Buffer.concat([
        Buffer.from('<xml><Content>'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('</Content></xml>'),
      ]);
      expectWireError(() => crypto.decrypt(sealRaw(KEY, fullStr(message, APPID))), 'xml', {
        message: /UTF-8/,
      });
    });

    it('rejects a buffer too short to hold its header', () => {
      expectWireError(() => crypto.decrypt(sealRaw(KEY, Buffer.alloc(32, 32))), 'crypto', {
        code: -40008,
        message: /shorter/,
      });
    });

    it('rejects a message encrypted for another AppID, naming it', () => {
      const other = new MessageCrypto(KEY, 'wxOTHERAPPID000000');
      const error = expectWireError(() => crypto.decrypt(other.encrypt('hi')), 'appid', { code: -40005 });
      expect(error.message).to.include('wxOTHERAPPID000000');
      expect(crypto.open(other.encrypt('hi')).receiveId).to.equal('wxOTHERAPPID000000');
    });

    it('rejects a random prefix that is not 16 bytes', () => {
      expectWireError(() => crypto.encrypt('hi', Buffer.alloc(15)), 'crypto', { message: /16 bytes/ });
    });
  });
});
