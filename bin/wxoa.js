#!/usr/bin/env node
// Runs the compiled CLI (dist/, made by `npm run build`; `npm start` builds first) when it is up to date;
// in a checkout where a source file changed since the last build, runs the TypeScript source through tsx
// instead, so `npx wxoa` never runs stale code. Without tsx (a production install) the build always runs.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'src', 'cli.js');
const source = join(root, 'src', 'cli.ts');

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

async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return null;
  }
}

const hasBuild = existsSync(built);
const stale = hasBuild && existsSync(source) && newestSource(join(root, 'src')) > statSync(built).mtimeMs;
const tsx = !hasBuild || stale ? await loadTsx() : null;
if (tsx && existsSync(source)) {
  tsx.register();
  await import(pathToFileURL(source).href);
} else if (hasBuild) {
  await import(pathToFileURL(built).href);
} else {
  process.stderr.write('wxoa: not built and tsx is not installed; run `npm run build` (or `npm ci`) first\n');
  process.exit(1);
}
