/**
 * bin/wxoa.js picks what to run: the build (dist/) when it is up to date, the TypeScript source through tsx
 * when there is no build or a source file changed since it was made. Checked on a copy of the launcher in a
 * throwaway package whose "CLI" only says which one ran.
 */
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { WXOA_BIN, cliEnv } from './run-cli.js';

const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));

/** A package with bin/wxoa.js and, as asked, a build and a source that print which one they are. */
function fakePackage(parent: string, name: string, has: { dist?: Date; src?: Date }): string {
  const root = join(parent, name);
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(WXOA_BIN, join(root, 'bin', 'wxoa.js'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'wxoa', type: 'module' }));
  symlinkSync(NODE_MODULES, join(root, 'node_modules'), 'dir');
  if (has.src) {
    mkdirSync(join(root, 'src', 'menu'), { recursive: true });
    // Typed, so only tsx can run it.
    writeFileSync(
      join(root, 'src', 'cli.ts'),
      "const ran: string = 'source';\nconsole.log(ran, process.argv.slice(2).join(' '));\n",
    );
    writeFileSync(join(root, 'src', 'menu', 'other.ts'), 'export {};\n');
    utimesSync(join(root, 'src', 'cli.ts'), has.src, has.src);
    utimesSync(join(root, 'src', 'menu', 'other.ts'), has.src, has.src);
  }
  if (has.dist) {
    mkdirSync(join(root, 'dist', 'src'), { recursive: true });
    writeFileSync(
      join(root, 'dist', 'src', 'cli.js'),
      "console.log('built', process.argv.slice(2).join(' '));\n",
    );
    utimesSync(join(root, 'dist', 'src', 'cli.js'), has.dist, has.dist);
  }
  return root;
}

function run(root: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(root, 'bin', 'wxoa.js'), 'menu', 'show'], {
    cwd: root,
    env: cliEnv({}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('bin/wxoa.js', () => {
  let dir: string;
  const older = new Date('2026-01-01T00:00:00Z');
  const newer = new Date('2026-01-02T00:00:00Z');

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wxoa-bin-'));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the build when it is newer than every source file, the source otherwise, passing the arguments', async () => {
    const cases = {
      'a build and no source (an installed package)': [{ dist: older }, 'built menu show'],
      'a source and no build (a fresh checkout)': [{ src: older }, 'source menu show'],
      'a build newer than the source': [{ dist: newer, src: older }, 'built menu show'],
      'a source changed since the build': [{ dist: older, src: newer }, 'source menu show'],
    } as const;
    const names = Object.keys(cases) as Array<keyof typeof cases>;
    const results = await Promise.all(names.map((name, i) => run(fakePackage(dir, `p${i}`, cases[name][0]))));
    names.forEach((name, i) => {
      expect(results[i]!.code, `${name}: ${results[i]!.stderr}`).to.equal(0);
      expect(results[i]!.stdout.trim(), name).to.equal(cases[name][1]);
    });
  });
});
