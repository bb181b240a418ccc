import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { WireError, type WireErrorKind } from '../../src/wire/index.js';

const root = new URL('../../fixtures/', import.meta.url);

/** One entry of fixtures/crypto-vectors.json; which fields are set depends on `kind`. */
export interface CryptoVector {
  id: string;
  kind: string;
  token: string;
  encodingAESKey: string | null;
  appId: string | null;
  timestamp: string;
  nonce: string;
  encrypt: string | null;
  msgSignature: string | null;
  signature?: string;
  echostr?: string;
  randomPrefix?: string;
  plaintext?: string;
  plaintextDerived?: string;
  expectContains?: string[];
}

/** The official and public vectors of WECHAT-PROTOCOL.md §2.8. */
export const vectors: CryptoVector[] = JSON.parse(readFileSync(new URL('crypto-vectors.json', root), 'utf8'));

/** The vector with this id (fails loudly when the fixture changes). */
export function vector(id: string): CryptoVector {
  const v = vectors.find((x) => x.id === id);
  if (v === undefined) throw new Error(`no vector ${id} in fixtures/crypto-vectors.json`);
  return v;
}

/** A fixture file's text. */
export function fixture(path: string): string {
  return readFileSync(new URL(path, root), 'utf8');
}

/** The names of the files in a fixture folder. */
export function fixtureNames(folder: string): string[] {
  return readdirSync(new URL(folder + '/', root)).sort();
}

/** Asserts that `fn` throws a WireError of `kind` (and `code` / message pattern when given); returns it. */
export function expectWireError(
  fn: () => unknown,
  kind: WireErrorKind,
  expected: { code?: number; message?: RegExp } = {},
): WireError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a WireError to be thrown').to.be.instanceOf(WireError);
  const error = caught as WireError;
  expect(error.kind).to.equal(kind);
  expect(error.name).to.equal('WireError');
  if (expected.code !== undefined) expect(error.code).to.equal(expected.code);
  if (expected.message !== undefined) expect(error.message).to.match(expected.message);
  return error;
}
