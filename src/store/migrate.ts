import type { Logger } from '../logger.js';
import type { Db, DialectSql } from './db.js';
import { SchemaVersionError } from './errors.js';

/** One schema step. Versions are never renumbered or edited once released; a change is a new migration. */
export interface Migration {
  version: number;
  name: string;
  /** The DDL statements, written once for both dialects with the fragments of `sql`. */
  up(sql: DialectSql): string[];
}

/**
 * Brings the schema to the newest version. Safe when several instances start at once: PostgreSQL holds an
 * advisory lock around the whole run (CREATE TABLE IF NOT EXISTS itself races there), SQLite's BEGIN
 * IMMEDIATE serialises processes, and each step re-checks its version inside its own transaction.
 * Returns the versions this call applied.
 */
export async function migrate(db: Db, migrations: readonly Migration[], logger: Logger): Promise<number[]> {
  const known = Math.max(0, ...migrations.map((m) => m.version));
  return db.exclusive(async (locked) => {
    await locked.run(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at ${locked.sql.int64} NOT NULL
      )`,
    );
    const newest = await locked.get<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    if (newest?.v != null && newest.v > known) throw new SchemaVersionError(newest.v, known);

    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      const done = await locked.transaction(async (tx) => {
        const row = await tx.get('SELECT version FROM schema_migrations WHERE version = ?', [
          migration.version,
        ]);
        if (row) return false;
        for (const statement of migration.up(tx.sql)) await tx.run(statement);
        await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          migration.version,
          migration.name,
          Date.now(),
        ]);
        return true;
      });
      if (done) {
        applied.push(migration.version);
        logger.info({ version: migration.version, migration: migration.name }, 'applied database migration');
      }
    }
    return applied;
  });
}
