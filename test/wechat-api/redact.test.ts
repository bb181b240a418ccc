import { expect } from 'chai';
import { redact, redactedCause } from '../../src/wechat-api/redact.js';

describe('redaction of text leaving the client', () => {
  it('drops the query of any URL, where tokens and secrets travel', () => {
    expect(
      redact(
        'fetch failed: https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&secret=S1 (x)',
        [],
      ),
    ).to.equal('fetch failed: https://api.weixin.qq.com/cgi-bin/token (x)');
  });

  it('replaces every occurrence of each secret and keeps the rest, rid included', () => {
    expect(redact('token AT9 invalid, AT9 again rid: 64f0-1', ['AT9', ''])).to.equal(
      'token [redacted] invalid, [redacted] again rid: 64f0-1',
    );
  });

  it('keeps question marks that are not part of a URL', () => {
    expect(redact('what? no', [])).to.equal('what? no');
  });

  it('copies an error for use as a cause with its name and system code, message scrubbed', () => {
    const original = new TypeError('fetch failed: http://h/p?access_token=AT', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const copy = redactedCause(original, ['AT']) as Error & { code?: string };
    expect(copy.name).to.equal('TypeError');
    expect(copy.message).to.equal('fetch failed: http://h/p');
    expect(copy.code).to.equal('ECONNREFUSED');
    expect(copy.cause).to.equal(undefined);
  });
});
