import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';

/** Issue 9, defect 6: a guessable ADMIN_TOKEN stops the server at start, with a message saying why. */
describe('config: ADMIN_TOKEN strength', () => {
  const problemsWith = (token: string): string[] => {
    try {
      loadConfig({ ADMIN_TOKEN: token }, '/nonexistent-wxoa-dir');
      return [];
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return err.problems;
    }
  };

  it('refuses a token of 16 identical characters', () => {
    const problems = problemsWith('a'.repeat(16));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^ADMIN_TOKEN must have at least 8 different characters \(got 1\)/);
  });

  it('refuses a long token made of a few characters repeated', () => {
    expect(problemsWith('abababababababababababab')[0]).to.match(/at least 8 different characters \(got 2\)/);
  });

  it('refuses a short token, saying so', () => {
    expect(problemsWith('Ab3$xY9!q')).to.deep.equal([
      'ADMIN_TOKEN must be at least 16 characters (got 9); make one with `openssl rand -base64 32`',
    ]);
  });

  it('never repeats the token in the message', () => {
    const token = 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz';
    expect(problemsWith(token).join('\n')).not.to.contain(token);
  });

  it('accepts a random token and the tokens the tests and examples use', () => {
    for (const token of [
      'Q2hx3JkR0bXc9TqLw8ZpNvY1',
      'sandbox-demo-admin-token',
      'e2e-admin-token-0123456789',
      '5f2c9a7e1b3d4c6e8f0a2b4c6d8e0f1a2b3c4d5e6f7a8b9c',
    ]) {
      expect(problemsWith(token), token).to.deep.equal([]);
    }
  });
});
