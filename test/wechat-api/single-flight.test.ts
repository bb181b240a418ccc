import { expect } from 'chai';
import { SingleFlight } from '../../src/wechat-api/single-flight.js';

/** A promise settled from outside. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('store SingleFlight', () => {
  it('runs the work once for concurrent callers of one key, all getting its result', async () => {
    const flights = new SingleFlight<string, number>();
    const d = deferred<number>();
    let runs = 0;
    const work = () => (runs++, d.promise);
    const calls = [flights.run('k', work), flights.run('k', work), flights.run('k', work)];
    d.resolve(42);
    expect(await Promise.all(calls)).to.deep.equal([42, 42, 42]);
    expect(runs).to.equal(1);
  });

  it('runs different keys independently', async () => {
    const flights = new SingleFlight<string, string>();
    const a = deferred<string>();
    const b = deferred<string>();
    const pa = flights.run('a', () => a.promise);
    const pb = flights.run('b', () => b.promise);
    b.resolve('B'); // b settles first: not held up by a
    expect(await pb).to.equal('B');
    a.resolve('A');
    expect(await pa).to.equal('A');
  });

  it('gives a failure to every caller of that run, and to no caller of another key', async () => {
    const flights = new SingleFlight<string, string>();
    const d = deferred<string>();
    const boom = new Error('down');
    const first = flights.run('k', () => d.promise);
    const second = flights.run('k', () => Promise.resolve('never'));
    const other = flights.run('other', () => Promise.resolve('fine'));
    d.reject(boom);
    const outcomes = await Promise.allSettled([first, second, other]);
    expect(outcomes).to.deep.equal([
      { status: 'rejected', reason: boom },
      { status: 'rejected', reason: boom },
      { status: 'fulfilled', value: 'fine' },
    ]);
  });

  it('does not cache a failure: the next call runs the work again', async () => {
    const flights = new SingleFlight<string, string>();
    await flights.run('k', () => Promise.reject(new Error('down'))).catch(() => undefined);
    expect(await flights.run('k', () => Promise.resolve('up'))).to.equal('up');
  });

  it('does not cache a success either: a call after the run settled runs the work again', async () => {
    const flights = new SingleFlight<string, number>();
    let runs = 0;
    const work = async () => ++runs;
    expect(await flights.run('k', work)).to.equal(1);
    expect(await flights.run('k', work)).to.equal(2);
  });

  it('frees the key after work that throws before returning a promise', async () => {
    const flights = new SingleFlight<string, string>();
    const thrown = new Error('sync throw');
    let reason: unknown;
    await flights
      .run('k', () => {
        throw thrown;
      })
      .catch((error: unknown) => (reason = error));
    expect(reason).to.equal(thrown);
    expect(await flights.run('k', () => Promise.resolve('recovered'))).to.equal('recovered');
  });

  it('lets a caller arriving while the result is being delivered start a fresh run', async () => {
    const flights = new SingleFlight<string, number>();
    let runs = 0;
    const work = async () => ++runs;
    const first = flights.run('k', work);
    // A caller that reacts to the first result asks again: it must not get the settled run back.
    const chained = first.then(() => flights.run('k', work));
    expect(await first).to.equal(1);
    expect(await chained).to.equal(2);
  });
});
