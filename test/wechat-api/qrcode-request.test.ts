import { expect } from 'chai';
import {
  buildQrCodeBody,
  qrCodeImageUrl,
  QrCodeRequestError,
  type QrCodeRequest,
} from '../../src/wechat-api/index.js';

describe('QR code requests', () => {
  it('builds each of the four action names of §6.5', () => {
    expect(buildQrCodeBody({ scene: 123, expireSeconds: 604800 })).to.deep.equal({
      expire_seconds: 604800,
      action_name: 'QR_SCENE',
      action_info: { scene: { scene_id: 123 } },
    });
    expect(buildQrCodeBody({ scene: 'test', expireSeconds: 604800 })).to.deep.equal({
      expire_seconds: 604800,
      action_name: 'QR_STR_SCENE',
      action_info: { scene: { scene_str: 'test' } },
    });
    expect(buildQrCodeBody({ scene: 123, permanent: true })).to.deep.equal({
      action_name: 'QR_LIMIT_SCENE',
      action_info: { scene: { scene_id: 123 } },
    });
    expect(buildQrCodeBody({ scene: 'test', permanent: true })).to.deep.equal({
      action_name: 'QR_LIMIT_STR_SCENE',
      action_info: { scene: { scene_str: 'test' } },
    });
  });

  it('always sends expire_seconds for a temporary code, 2592000 when not given', () => {
    expect(buildQrCodeBody({ scene: 7 })).to.have.property('expire_seconds', 2_592_000);
  });

  it('accepts the edges of every range', () => {
    for (const req of [
      { scene: 1 },
      { scene: 2_147_483_647 },
      { scene: 100_000, permanent: true },
      { scene: 'x' },
      { scene: 'x'.repeat(64) },
      { scene: 's', expireSeconds: 1 },
      { scene: 's', expireSeconds: 2_592_000 },
    ] satisfies QrCodeRequest[]) {
      expect(() => buildQrCodeBody(req), JSON.stringify(req)).to.not.throw();
    }
  });

  const refused: Array<[string, QrCodeRequest, string, RegExp]> = [
    ['a zero scene id', { scene: 0 }, 'scene', /1 to 2147483647/],
    ['a negative scene id', { scene: -5 }, 'scene', /whole number/],
    ['a fractional scene id', { scene: 1.5 }, 'scene', /whole number/],
    ['a scene id over 32 bits', { scene: 2 ** 32 }, 'scene', /1 to 2147483647/],
    ['NaN', { scene: Number.NaN }, 'scene', /NaN/],
    ['a permanent scene id over 100000', { scene: 100_001, permanent: true }, 'scene', /1 to 100000/],
    ['an empty string scene', { scene: '' }, 'scene', /1 to 64 characters long \(got 0\)/],
    ['a 65-character string scene', { scene: 'x'.repeat(65) }, 'scene', /got 65/],
    ['expireSeconds 0', { scene: 's', expireSeconds: 0 }, 'expireSeconds', /1 to 2592000/],
    ['expireSeconds over 30 days', { scene: 's', expireSeconds: 2_592_001 }, 'expireSeconds', /30 days/],
    ['fractional expireSeconds', { scene: 's', expireSeconds: 60.5 }, 'expireSeconds', /whole number/],
    [
      'expireSeconds on a permanent code',
      { scene: 's', permanent: true, expireSeconds: 60 },
      'expireSeconds',
      /never expires/,
    ],
  ];
  for (const [what, req, field, message] of refused) {
    it(`refuses ${what}, naming the field`, () => {
      try {
        buildQrCodeBody(req);
        expect.fail('expected QrCodeRequestError');
      } catch (err) {
        expect(err).to.be.instanceOf(QrCodeRequestError);
        expect((err as QrCodeRequestError).name).to.equal('QrCodeRequestError');
        expect((err as QrCodeRequestError).field).to.equal(field);
        expect((err as Error).message).to.match(message);
      }
    });
  }

  it('refuses a scene that is neither string nor number (untyped callers, JSON input)', () => {
    const req = { scene: null } as unknown as QrCodeRequest;
    expect(() => buildQrCodeBody(req)).to.throw(QrCodeRequestError, /string or a number/);
  });

  it('points images at mp.weixin.qq.com for any WeChat API host, URL-encoding the ticket', () => {
    const ticket =
      'gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw==';
    const expected = `https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=${encodeURIComponent(ticket)}`;
    expect(qrCodeImageUrl(ticket, 'https://api.weixin.qq.com')).to.equal(expected);
    expect(qrCodeImageUrl(ticket, 'https://sh.api.weixin.qq.com/')).to.equal(expected);
    expect(expected).to.include('%3D%3D');
  });

  it('points images at the API base itself when that is not WeChat (the simulator)', () => {
    expect(qrCodeImageUrl('a+b', 'http://127.0.0.1:4000/')).to.equal(
      'http://127.0.0.1:4000/cgi-bin/showqrcode?ticket=a%2Bb',
    );
    expect(qrCodeImageUrl('t', 'https://notweixin.qq.com.example')).to.equal(
      'https://notweixin.qq.com.example/cgi-bin/showqrcode?ticket=t',
    );
  });
});
