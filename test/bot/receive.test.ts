import { expect } from 'chai';
import { checkPush, receivePush, receiveUrlCheck, signedQuery } from '../../src/bot/receive.js';
import { AccountTable } from '../../src/bot/webhook-accounts.js';
import { WebhookError } from '../../src/bot/webhook-errors.js';
import { WireError } from '../../src/wire/index.js';
import { signPush, textXml, verificationSearch, type PushAccount } from '../support/push.js';

const ACCOUNT: PushAccount = {
  appid: 'wx1234567890abcdef',
  token: 'testtoken',
  encodingAesKey: 'OhbVrpoiVgRV5IfLBcbfnoGMbJmTPSIAoCLrZ3aWZkS',
};
const account = new AccountTable(ACCOUNT).default;
const NOW = 1_700_000_000;
const now = { nowSeconds: NOW, toleranceSeconds: 300 };
const xml = textXml({ from: 'oReceive', content: 'hi', msgId: '42', createTime: NOW });

/** Throws `fn`'s error, for asserting its class and kind. */
function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('bot/receive: verify, decrypt and parse, pure', () => {
  it('receives a plaintext and a safe-mode push into the same message', () => {
    for (const mode of ['plain', 'safe', 'compat'] as const) {
      const push = signPush(ACCOUNT, xml, { mode, timestamp: NOW });
      const received = receivePush(account, push.query, push.body, now);
      expect(received.message, mode).to.include({ FromUserName: 'oReceive', Content: 'hi', MsgId: '42' });
      expect(received.crypto === undefined, mode).to.equal(mode === 'plain');
      expect(received.query.nonce).to.equal(push.nonce);
    }
  });

  it('checks a query without any body: signature, timestamp and nonce', () => {
    const push = signPush(ACCOUNT, xml, { mode: 'safe', timestamp: NOW });
    expect(() => checkPush(account, push.query, now)).not.to.throw();
    const { nonce: _nonce, ...noNonce } = push.query;
    for (const query of [
      { ...push.query, signature: '0'.repeat(40) },
      { ...push.query, timestamp: String(NOW - 3600) },
      noNonce,
    ]) {
      expect(errorOf(() => checkPush(account, query, now))).to.be.instanceOf(WireError);
    }
    expect(errorOf(() => checkPush(account, { ...push.query, encrypt_type: 'rot13' }, now))).to.be.instanceOf(
      WebhookError,
    );
  });

  it('refuses a repeated parameter rather than guessing which one was signed', () => {
    const push = signPush(ACCOUNT, xml, { timestamp: NOW });
    expect(
      signedQuery({ ...push.query, signature: [push.query['signature'] as string, 'x'] }),
    ).not.to.have.property('signature');
    const repeated = { ...push.query, nonce: [push.nonce, push.nonce] };
    expect(errorOf(() => receivePush(account, repeated, push.body, now))).to.be.instanceOf(WireError);
  });

  it('answers a URL check with its echostr', () => {
    const query = Object.fromEntries(new URLSearchParams(verificationSearch(ACCOUNT.token, 'echo-1', NOW)));
    expect(receiveUrlCheck(account, query, now)).to.equal('echo-1');
  });
});
