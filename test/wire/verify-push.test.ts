import { expect } from 'chai';
import {
  checkPushQuery,
  checkTimestamp,
  verifyMsgSignature,
  verifyPush,
  verifyUrl,
  wechatSignature as sign,
} from '../../src/wire/index.js';
import { expectWireError, vector } from './helpers.js';

describe('wire/verify-push', () => {
  const get = vector('official-doc-url-verify-get');
  const plain = vector('official-doc-plain-post');
  const safe = vector('official-doc-safe-mode-inbound');
  const at = (v: { timestamp: string }) => ({ nowSeconds: Number(v.timestamp), toleranceSeconds: 300 });

  describe('checkTimestamp', () => {
    it('accepts a timestamp inside the window, either side of now', () => {
      expect(checkTimestamp('1000', 1300, 300)).to.equal('1000');
      expect(checkTimestamp('1600', 1300, 300)).to.equal('1600');
    });

    it('rejects one outside the window, saying by how much', () => {
      expectWireError(() => checkTimestamp('999', 1300, 300), 'timestamp', { message: /301 s from now/ });
      expectWireError(() => checkTimestamp('1601', 1300, 300), 'timestamp');
    });

    it('accepts any age when the tolerance is 0', () => {
      expect(checkTimestamp('1', 1_700_000_000, 0)).to.equal('1');
    });

    it('rejects a missing or non-numeric timestamp even when the window is off', () => {
      for (const bad of [undefined, '', 'abc', '12.5', '-5', ' 123', '1e9']) {
        expectWireError(() => checkTimestamp(bad, 1300, 0), 'timestamp', {
          message: /missing or not Unix seconds/,
        });
      }
    });
  });

  describe('verifyUrl (GET)', () => {
    const query = {
      signature: get.signature,
      timestamp: get.timestamp,
      nonce: get.nonce,
      echostr: get.echostr,
    };

    it('returns echostr verbatim for the official example', () => {
      expect(verifyUrl({ token: get.token, query, ...at(get) })).to.equal('4375120948345356249');
    });

    it('refuses a wrong token, a tampered signature and a missing one', () => {
      expectWireError(() => verifyUrl({ token: 'BBBBB', query, ...at(get) }), 'signature', { code: -40001 });
      const tampered = { ...query, signature: '0' + get.signature?.slice(1) };
      expectWireError(() => verifyUrl({ token: get.token, query: tampered, ...at(get) }), 'signature');
      const unsigned = { timestamp: get.timestamp, nonce: get.nonce, echostr: get.echostr };
      expectWireError(() => verifyUrl({ token: get.token, query: unsigned, ...at(get) }), 'signature');
    });

    it('refuses a correctly signed request that is stale', () => {
      const stale = { nowSeconds: Number(get.timestamp) + 301, toleranceSeconds: 300 };
      expectWireError(() => verifyUrl({ token: get.token, query, ...stale }), 'timestamp');
    });
  });

  describe('verifyPush (POST)', () => {
    it('accepts the official plaintext push on its signature', () => {
      const query = {
        signature: plain.signature,
        timestamp: plain.timestamp,
        nonce: plain.nonce,
        openid: 'o',
      };
      expect(() => verifyPush({ token: plain.token, query, ...at(plain) })).not.to.throw();
      expectWireError(() => verifyPush({ token: 'wrong', query, ...at(plain) }), 'signature');
    });

    it('accepts the official safe-mode push on msg_signature over Encrypt and its signature', () => {
      const query = {
        signature: safe.signature,
        timestamp: safe.timestamp,
        nonce: safe.nonce,
        encrypt_type: 'aes',
        msg_signature: safe.msgSignature as string,
      };
      expect(() =>
        verifyPush({ token: safe.token, query, encrypt: safe.encrypt as string, ...at(safe) }),
      ).not.to.throw();
    });

    it('refuses an aes push whose Encrypt is not the one msg_signature covers', () => {
      const query = {
        signature: safe.signature,
        timestamp: safe.timestamp,
        nonce: safe.nonce,
        msg_signature: safe.msgSignature as string,
      };
      const other = (safe.encrypt as string).replace(/^./, 'A');
      expectWireError(
        () => verifyPush({ token: safe.token, query, encrypt: other, ...at(safe) }),
        'signature',
        {
          message: /msg_signature/,
        },
      );
    });

    it('refuses an aes push with a valid signature but no msg_signature (§1.3: signature covers no body)', () => {
      const query = { signature: safe.signature, timestamp: safe.timestamp, nonce: safe.nonce };
      expectWireError(
        () => verifyPush({ token: safe.token, query, encrypt: safe.encrypt as string, ...at(safe) }),
        'signature',
        { message: /msg_signature/ },
      );
    });

    it('refuses an aes push whose extra signature is wrong', () => {
      const query = {
        signature: plain.signature,
        timestamp: safe.timestamp,
        nonce: safe.nonce,
        msg_signature: safe.msgSignature as string,
      };
      expectWireError(
        () => verifyPush({ token: safe.token, query, encrypt: safe.encrypt as string, ...at(safe) }),
        'signature',
        { message: /^signature/ },
      );
    });

    it('refuses a push without nonce, or with an empty one (INTERFACE.md §3)', () => {
      for (const nonce of [undefined, '']) {
        const query = {
          signature: sign(plain.token, plain.timestamp, nonce ?? ''),
          timestamp: plain.timestamp,
          nonce,
        };
        expectWireError(() => verifyPush({ token: plain.token, query, ...at(plain) }), 'signature', {
          message: /nonce/,
        });
      }
    });

    it('refuses an aes push without the 3-part signature, which WeChat sends in every mode (§1.3)', () => {
      const query = {
        timestamp: safe.timestamp,
        nonce: safe.nonce,
        encrypt_type: 'aes',
        msg_signature: safe.msgSignature as string,
      };
      expectWireError(
        () => verifyPush({ token: safe.token, query, encrypt: safe.encrypt as string, ...at(safe) }),
        'signature',
        { message: /no signature/ },
      );
    });

    it('checks a push query without its body, and msg_signature over Encrypt on its own', () => {
      const query = {
        signature: safe.signature,
        timestamp: safe.timestamp,
        nonce: safe.nonce,
        msg_signature: safe.msgSignature as string,
      };
      expect(() => checkPushQuery({ token: safe.token, query, ...at(safe) })).not.to.throw();
      expect(() =>
        verifyMsgSignature({ token: safe.token, query, encrypt: safe.encrypt as string }),
      ).not.to.throw();
      expectWireError(
        () => verifyMsgSignature({ token: safe.token, query, encrypt: 'x' + (safe.encrypt as string) }),
        'signature',
      );
    });

    it('refuses a push without timestamp', () => {
      const query = { signature: plain.signature, nonce: plain.nonce };
      expectWireError(() => verifyPush({ token: plain.token, query, ...at(plain) }), 'timestamp');
    });
  });
});
