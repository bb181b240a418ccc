/**
 * A mocha root hook: once every test has run, the process should exit on its own (.mocharc has no `exit`).
 * If a test left a server, pool, timer or child process running, it would hang instead; this unref'd timer
 * (which itself keeps nothing alive) turns that hang into a failure that names what is still open.
 */
const GRACE_MS = 10_000;

export const mochaHooks = {
  afterAll(): void {
    setTimeout(() => {
      const open = process.getActiveResourcesInfo().filter((type) => type !== 'TTYWrap');
      console.error(
        `\nThe test run did not exit ${GRACE_MS / 1000} s after its last test: something is still open ` +
          `(${open.join(', ')}). Close it in an after hook.`,
      );
      // Mocha (without `exit`) sets the exit code to the failure count in its own 'exit' listener: this
      // listener, added later, runs after it.
      process.on('exit', () => (process.exitCode = 1));
      process.exit(1);
    }, GRACE_MS).unref();
  },
};
