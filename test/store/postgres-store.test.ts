import pg from 'pg';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { createTestDatabase } from '../support/postgres.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('store contract on PostgreSQL', { multiInstance: true }, async (ctx) => {
  const database = await createTestDatabase(ctx);
  let stores: Store[] = [];
  return {
    async fresh(clock) {
      // Two stores with their own pools on one database: two wxoa instances.
      stores = [await openStore(database.url, { clock }), await openStore(database.url, { clock })];
      await truncateAll(database.url);
      return { store: stores[0]!, another: stores[1]! };
    },
    async cleanup() {
      await Promise.all(stores.map((store) => store.close()));
    },
    async dispose() {
      await database.drop();
    },
  };
});

/** Empties every table but the migration log, faster than a new database per test. */
async function truncateAll(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`,
    );
    await client.query(`TRUNCATE ${rows.map((r) => `"${r.tablename}"`).join(', ')} RESTART IDENTITY`);
  } finally {
    await client.end();
  }
}
