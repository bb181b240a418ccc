/**
 * DATABASE_URL names no database wxoa can open. The message names the problem and the accepted forms but never
 * echoes the URL itself, which may carry a password.
 */
export class DatabaseUrlError extends Error {
  override readonly name = 'DatabaseUrlError';
}

// Part of FollowerRepo's contract, so it lives with the port; re-exported for the store's own code.
export { InvalidCursorError } from '../followers/follower-repo.js';

/**
 * The database holds a schema newer than this build knows: an older wxoa started against a database that a
 * newer one already migrated. Refusing to start beats writing rows the newer schema does not expect.
 */
export class SchemaVersionError extends Error {
  override readonly name = 'SchemaVersionError';
  constructor(
    readonly databaseVersion: number,
    readonly knownVersion: number,
  ) {
    super(
      `the database schema is at version ${databaseVersion} but this wxoa knows versions up to ${knownVersion}; ` +
        'upgrade wxoa (or point DATABASE_URL at another database)',
    );
  }
}
