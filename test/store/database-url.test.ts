import { expect } from 'chai';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { DatabaseUrlError } from '../../src/store/errors.js';
import { openStore } from '../../src/store/index.js';

describe('store DATABASE_URL', () => {
  it('reads sqlite: paths, relative and absolute, and the in-memory database', () => {
    expect(parseDatabaseUrl('sqlite:data/wxoa.db')).to.deep.equal({ kind: 'sqlite', path: 'data/wxoa.db' });
    expect(parseDatabaseUrl('sqlite:/var/lib/wxoa.db')).to.deep.equal({
      kind: 'sqlite',
      path: '/var/lib/wxoa.db',
    });
    expect(parseDatabaseUrl('sqlite:///var/lib/wxoa.db')).to.deep.equal({
      kind: 'sqlite',
      path: '/var/lib/wxoa.db',
    });
    expect(parseDatabaseUrl('sqlite::memory:')).to.deep.equal({ kind: 'sqlite', path: ':memory:' });
  });

  it('passes postgres:// and postgresql:// URLs through whole', () => {
    for (const url of ['postgres://u:p@db:5432/wxoa?sslmode=require', 'postgresql://db/wxoa']) {
      expect(parseDatabaseUrl(url)).to.deep.equal({ kind: 'postgres', connectionString: url });
    }
  });

  it('rejects other schemes naming the scheme but never the rest of the URL', () => {
    expect(() => parseDatabaseUrl('mysql://root:s3cret@db/wxoa'))
      .to.throw(DatabaseUrlError, /must start with sqlite: or postgres:\/\/ \(got "mysql:"\)/)
      .with.property('message')
      .that.does.not.include('s3cret');
    expect(() => parseDatabaseUrl('data/wxoa.db')).to.throw(DatabaseUrlError, /got no scheme/);
  });

  it('rejects an empty or ambiguous sqlite path', () => {
    expect(() => parseDatabaseUrl('sqlite:')).to.throw(DatabaseUrlError, /needs a file path/);
    expect(() => parseDatabaseUrl('sqlite://data/wxoa.db')).to.throw(DatabaseUrlError, /ambiguous/);
  });

  it('makes openStore fail with the same error', async () => {
    let error: unknown;
    await openStore('redis://localhost').catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(DatabaseUrlError);
  });
});
