import { isUtf8 } from 'node:buffer';
import { xmlError } from './xml-read.js';

/**
 * Decodes a body (or a decrypted message) as UTF-8, refusing invalid sequences (INTERFACE.md §3) instead of
 * replacing them with U+FFFD as Buffer#toString does. `isUtf8` is one native validation pass.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  if (!isUtf8(bytes)) throw xmlError('the body is not valid UTF-8');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
