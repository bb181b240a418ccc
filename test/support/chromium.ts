/**
 * Debian's chromium (`apt-get install chromium`) for the console's browser tests: playwright-core drives it,
 * nothing is downloaded.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** In a `before` hook: skips the suite without chromium, or fails it in CI (where .ci/run installs it). */
export function skipWithoutChromium(context: Mocha.Context): void {
  if (existsSync(CHROMIUM)) return;
  if (process.env['CI'])
    throw new Error(`${CHROMIUM} is missing: .ci/run installs it (apt-get install chromium)`);
  console.log(`      (skipped: ${CHROMIUM} not found; install it with: apt-get install -y chromium)`);
  context.skip();
}

/** Headless chromium, with the flags that keep it off the network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Collects what the page logs as an error and what it throws (a CSP violation would be one) in `problems`. */
export function collectPageProblems(page: Page, problems: string[]): void {
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
}
