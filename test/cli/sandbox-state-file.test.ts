import { join } from 'node:path';
import { expect } from 'chai';
import { sandboxStateFile, sandboxStatePath } from '../../src/sandbox-state.js';

describe('sandboxStateFile: where the sandbox keeps the simulated WeChat (INTERFACE.md §7)', () => {
  it('sits next to the SQLite file, named after it', () => {
    expect(sandboxStateFile('sqlite:data/wxoa.db')).to.equal(join('data', 'wxoa.simulator.json'));
    expect(sandboxStateFile('sqlite:///var/lib/wxoa/main.sqlite')).to.equal(
      '/var/lib/wxoa/main.simulator.json',
    );
  });

  it('is data/simulator.json with PostgreSQL, and nothing for an in-memory database', () => {
    expect(sandboxStateFile('postgres://u:p@127.0.0.1:5432/wxoa')).to.equal(join('data', 'simulator.json'));
    expect(sandboxStateFile('sqlite::memory:')).to.equal(undefined);
  });
});

describe('sandboxStatePath: where commands find the running sandbox', () => {
  it('reads DATABASE_URL as the store does, so it lands beside the simulator state', () => {
    for (const url of ['sqlite:x/wxoa.db', 'SQLITE:x/wxoa.db', 'sqlite:///w/x/wxoa.db']) {
      expect(sandboxStatePath(url, '/w'), url).to.equal('/w/x/sandbox.json');
    }
    expect(sandboxStatePath('postgres://u:p@127.0.0.1/wxoa', '/w')).to.equal('/w/data/sandbox.json');
  });
});
