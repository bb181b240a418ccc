/**
 * The API failure recorder: which failures are worth an operator's attention, and that a stream of
 * successes costs no writes (one read per re-check interval) while a success after a failure clears it.
 */
import { expect } from 'chai';
import {
  apiFailureRecorder,
  describeFailure,
  WechatApiError,
  WechatHttpError,
  type ApiFailure,
  type ApiFailureStore,
} from '../../src/wechat-api/index.js';

class CountingStore implements ApiFailureStore {
  failure: ApiFailure | null = null;
  reads = 0;
  writes = 0;
  async recordFailure(f: ApiFailure) {
    this.writes++;
    this.failure = f;
  }
  async clearFailure(_appid: string, at: number) {
    this.writes++;
    const had = this.failure !== null && this.failure.at <= at;
    if (had) this.failure = null;
    return had;
  }
  async lastFailure() {
    this.reads++;
    return this.failure;
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const apiError = (errcode: number, endpoint = '/cgi-bin/user/info') =>
  new WechatApiError({ errcode, errmsg: `err ${errcode}`, endpoint });

describe('apiFailureRecorder', () => {
  it('records a setup failure, not an answer about one request', () => {
    expect(
      describeFailure('wx1', '/cgi-bin/stable_token', apiError(40125, '/cgi-bin/stable_token'), 5),
    ).to.include({
      errcode: 40125,
      endpoint: '/cgi-bin/stable_token',
      at: 5,
    });
    const network = new WechatHttpError({
      endpoint: '/cgi-bin/user/get',
      kind: 'network',
      detail: 'unreachable',
    });
    expect(describeFailure('wx1', '/cgi-bin/user/get', network, 5)).to.include({ errcode: null });
    for (const code of [45015, 45047, 40003, 46003, 40029])
      expect(describeFailure('wx1', '/x', apiError(code), 5), String(code)).to.equal(null);
  });

  it('writes nothing while calls succeed, and clears a failure on the next success', async () => {
    let now = 1_000;
    const store = new CountingStore();
    const report = apiFailureRecorder({ appid: 'wx1', store, clock: () => now, recheckMs: 30_000 });

    for (let i = 0; i < 50; i++) report({ ok: true, endpoint: '/cgi-bin/user/info' });
    await settle();
    expect(store.writes).to.equal(0);
    expect(store.reads).to.equal(1);

    now += 10;
    report({ ok: false, endpoint: '/cgi-bin/user/info', error: apiError(48001) });
    await settle();
    expect(store.failure).to.include({ errcode: 48001, at: 1_010 });

    now += 10;
    report({ ok: true, endpoint: '/cgi-bin/user/info' });
    await settle();
    expect(store.failure).to.equal(null);

    const writes = store.writes;
    for (let i = 0; i < 50; i++) report({ ok: true, endpoint: '/cgi-bin/user/info' });
    await settle();
    expect(store.writes).to.equal(writes);
  });

  it('re-reads after the interval, so a failure another instance recorded is cleared here too', async () => {
    let now = 0;
    const store = new CountingStore();
    const report = apiFailureRecorder({ appid: 'wx1', store, clock: () => now, recheckMs: 30_000 });
    report({ ok: true, endpoint: '/x' });
    await settle();
    store.failure = { appid: 'wx1', at: 5, endpoint: '/y', errcode: 40164, message: 'm', hint: null };
    now = 10_000;
    report({ ok: true, endpoint: '/x' });
    await settle();
    expect(store.failure, 'within the interval: not re-read').to.not.equal(null);
    now = 40_000;
    report({ ok: true, endpoint: '/x' });
    await settle();
    expect(store.failure).to.equal(null);
  });
});
