#!/usr/bin/env node
// `npm start`'s prestart: runs the build only when dist/ is older than a source file (or missing), so a
// restart does not spend seconds recompiling what has not changed. `--check [ROOT]` prints "stale" or
// "fresh" and builds nothing (for tests).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Newest modification time of the .ts files under `dir` (0 when there are none). */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Whether `root`'s dist/ must be rebuilt: missing, or older than a source file or a tsconfig. */
export function isBuildStale(root) {
  const src = join(root, 'src');
  if (!existsSync(src)) return false; // an installed package: dist is all there is
  const built = join(root, 'dist', 'src', 'cli.js');
  if (!existsSync(built)) return true;
  const configs = ['tsconfig.json', 'tsconfig.build.json']
    .map((name) => join(root, name))
    .filter((path) => existsSync(path))
    .map((path) => statSync(path).mtimeMs);
  return Math.max(newestSource(src), ...configs) > statSync(built).mtimeMs;
}

const args = process.argv.slice(2);
const root = resolve(
  args.find((a) => !a.startsWith('--')) ?? join(dirname(fileURLToPath(import.meta.url)), '..'),
);
const stale = isBuildStale(root);
if (args.includes('--check')) {
  process.stdout.write(`${stale ? 'stale' : 'fresh'}\n`);
} else if (!stale) {
  process.stdout.write('dist/ is newer than src/: skipping the build\n');
} else {
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
