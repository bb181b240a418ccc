import { expect } from 'chai';
import { throttled } from '../../src/store/throttle.js';

describe('store housekeeping throttle', () => {
  it('runs the task at most once per interval of the clock', async () => {
    let now = 0;
    let runs = 0;
    const tick = throttled(
      60_000,
      () => now,
      async () => runs++,
      () => undefined,
    );
    tick();
    tick();
    now = 59_999;
    tick();
    expect(runs).to.equal(1);
    now = 60_000;
    tick();
    expect(runs).to.equal(2);
  });

  it('reports a failed run instead of rejecting into the caller, and runs again after the interval', async () => {
    let now = 0;
    const errors: unknown[] = [];
    let fail = true;
    let runs = 0;
    const tick = throttled(
      1000,
      () => now,
      async () => {
        runs++;
        if (fail) throw new Error('locked');
      },
      (error) => errors.push(error),
    );
    tick();
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).to.have.length(1);
    fail = false;
    now = 1000;
    tick();
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).to.equal(2);
    expect(errors).to.have.length(1);
  });
});
