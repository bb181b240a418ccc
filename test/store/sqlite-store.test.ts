import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('store contract on SQLite', { multiInstance: false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wxoa-store-'));
  let n = 0;
  let open: Store | undefined;
  return {
    async fresh(clock) {
      // A new file per test, in a folder that does not exist yet: openStore must create both.
      open = await openStore(`sqlite:${join(dir, String(n++), 'wxoa.db')}`, { clock });
      return { store: open };
    },
    async cleanup() {
      await open?.close();
    },
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
