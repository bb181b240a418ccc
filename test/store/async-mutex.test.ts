import { expect } from 'chai';
import { AsyncMutex } from '../../src/store/async-mutex.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('store AsyncMutex', () => {
  it('is free until acquired and free again after the last release', async () => {
    const mutex = new AsyncMutex();
    expect(mutex.isHeld).to.equal(false);
    await mutex.acquire();
    expect(mutex.isHeld).to.equal(true);
    mutex.release();
    expect(mutex.isHeld).to.equal(false);
  });

  it('keeps a second caller out until the first releases', async () => {
    const mutex = new AsyncMutex();
    await mutex.acquire();
    let second = false;
    const waiting = mutex.acquire().then(() => (second = true));
    await turn();
    expect(second).to.equal(false);
    mutex.release();
    await waiting;
    expect(second).to.equal(true);
    expect(mutex.isHeld).to.equal(true); // handed over, not freed
    mutex.release();
    expect(mutex.isHeld).to.equal(false);
  });

  it('hands the lock over in FIFO order, and a newcomer cannot overtake the waiters', async () => {
    const mutex = new AsyncMutex();
    const order: string[] = [];
    await mutex.acquire();
    const waiters = ['a', 'b', 'c'].map((name) =>
      mutex.acquire().then(() => {
        order.push(name);
        mutex.release();
      }),
    );
    mutex.release();
    // Released with waiters queued: a caller arriving now must queue behind them.
    const newcomer = mutex.acquire().then(() => {
      order.push('newcomer');
      mutex.release();
    });
    await Promise.all([...waiters, newcomer]);
    expect(order).to.deep.equal(['a', 'b', 'c', 'newcomer']);
    expect(mutex.isHeld).to.equal(false);
  });

  it('never lets two critical sections interleave', async () => {
    const mutex = new AsyncMutex();
    let inside = 0;
    let most = 0;
    const log: string[] = [];
    const section = async (name: string) => {
      await mutex.acquire();
      try {
        inside++;
        most = Math.max(most, inside);
        log.push(`${name}:in`);
        await turn();
        await Promise.resolve();
        log.push(`${name}:out`);
        inside--;
      } finally {
        mutex.release();
      }
    };
    await Promise.all(['a', 'b', 'c', 'd'].map(section));
    expect(most).to.equal(1);
    expect(log).to.deep.equal(['a:in', 'a:out', 'b:in', 'b:out', 'c:in', 'c:out', 'd:in', 'd:out']);
  });

  it('passes the lock on when a holder fails, as long as it releases in finally', async () => {
    const mutex = new AsyncMutex();
    const failing = (async () => {
      await mutex.acquire();
      try {
        await turn();
        throw new Error('body failed');
      } finally {
        mutex.release();
      }
    })();
    const next = (async () => {
      await mutex.acquire();
      mutex.release();
      return 'ran';
    })();
    const [a, b] = await Promise.allSettled([failing, next]);
    expect(a.status).to.equal('rejected');
    expect(b).to.deep.equal({ status: 'fulfilled', value: 'ran' });
    expect(mutex.isHeld).to.equal(false);
  });
});
