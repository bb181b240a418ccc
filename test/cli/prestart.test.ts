/** `npm start` builds only when dist/ is older than the sources (scripts/build-if-stale.mjs, the prestart). */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const SCRIPT = fileURLToPath(new URL('../../scripts/build-if-stale.mjs', import.meta.url));

describe('npm start’s prestart', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'wxoa-prestart-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const check = () =>
    spawnSync(process.execPath, [SCRIPT, '--check', root], { encoding: 'utf8' }).stdout.trim();
  const touch = (path: string, seconds: number) => {
    writeFileSync(path, '');
    utimesSync(path, seconds, seconds);
  };

  it('builds when dist/ is missing or older than a source file or tsconfig, not otherwise', () => {
    mkdirSync(join(root, 'src', 'deep'), { recursive: true });
    touch(join(root, 'src', 'cli.ts'), 1000);
    touch(join(root, 'src', 'deep', 'a.ts'), 1000);
    touch(join(root, 'tsconfig.json'), 1000);
    expect(check(), 'no dist').to.equal('stale');

    mkdirSync(join(root, 'dist', 'src'), { recursive: true });
    touch(join(root, 'dist', 'src', 'cli.js'), 2000);
    expect(check(), 'dist newer').to.equal('fresh');

    utimesSync(join(root, 'src', 'deep', 'a.ts'), 3000, 3000);
    expect(check(), 'a nested source changed').to.equal('stale');

    utimesSync(join(root, 'dist', 'src', 'cli.js'), 4000, 4000);
    utimesSync(join(root, 'tsconfig.json'), 5000, 5000);
    expect(check(), 'tsconfig changed').to.equal('stale');
  });
});
