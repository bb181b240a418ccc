import { expect } from 'chai';
import { BodyDeadlines } from '../../src/http/body-deadlines.js';

describe('http/body-deadlines: one interval for the bodies being read', () => {
  it('expires what is due, once, and never what was dropped', async () => {
    const deadlines = new BodyDeadlines(20);
    const fired: string[] = [];
    const now = performance.now();
    const a = (): void => void fired.push('a');
    const b = (): void => void fired.push('b');
    deadlines.add(a, now + 5);
    deadlines.add(b, now + 5);
    deadlines.drop(b);
    await new Promise<void>((resolve) => deadlines.add(() => resolve(), now + 30));
    expect(fired).to.deep.equal(['a']);
    expect(deadlines.size).to.equal(0);
  });
});
