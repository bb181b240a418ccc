import { createCipheriv, createDecipheriv, type Cipher, type Decipher } from 'node:crypto';
import { WireError } from './errors.js';
import { fillRandom } from './random-pool.js';
import { decodeUtf8 } from './utf8.js';

/**
 * WXBizMsgCrypt (WECHAT-PROTOCOL.md §2): AES-256-CBC, IV = first 16 key bytes, PKCS#7 padding to 32-byte
 * blocks (§2.3: 32, not 16), plaintext = random(16) | uint32 BE length | message | receiveId (the AppID).
 */
const BLOCK = 32;
const RANDOM_LENGTH = 16;
const HEADER_LENGTH = RANDOM_LENGTH + 4;
const AES_KEY_CHARS = /^[A-Za-z0-9]*$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decodes a 43-character EncodingAESKey into the 32-byte AES key (-40004 otherwise, §2.1). */
export function decodeAesKey(encodingAesKey: string): Buffer {
  if (encodingAesKey.length !== 43) {
    const hint =
      encodingAesKey.length === 44 && encodingAesKey.endsWith('=') ? " without the trailing '='" : '';
    throw new WireError(
      'crypto',
      `EncodingAESKey must be 43 characters (got ${encodingAesKey.length}); copy it from the console${hint}`,
      -40004,
    );
  }
  if (!AES_KEY_CHARS.test(encodingAesKey)) {
    throw new WireError('crypto', 'EncodingAESKey may contain only the characters A-Z, a-z and 0-9', -40004);
  }
  return Buffer.from(encodingAesKey + '=', 'base64');
}

/**
 * A key ready for repeated use: decoding once keeps the base64 work off the per-push path.
 *
 * The AES contexts are made once too: creating one cost 3–4 µs a push, several times the AES itself
 * (0.7 µs for a subscribe push). A reused CBC context chains each message to the last ciphertext block of
 * the one before instead of to the IV; only the first block depends on that, so it is corrected by XOR
 * with (previous block XOR IV) — before encrypting, after decrypting. Node runs update() synchronously,
 * so no other message can interleave.
 */
export class MessageCrypto {
  private readonly key: Buffer;
  private readonly iv: Buffer;
  private readonly appIdBytes: Buffer;
  #cipher: Cipher | undefined;
  #decipher: Decipher | undefined;
  /** The block each reused context chains the next message to (the IV until it has been used). */
  readonly #cipherChain = Buffer.alloc(16);
  readonly #decipherChain = Buffer.alloc(16);

  constructor(
    encodingAesKey: string,
    /** The receiveId: the AppID of the Official Account (or component_appid / CorpID, §2.2). */
    readonly appId: string,
  ) {
    this.key = decodeAesKey(encodingAesKey);
    this.iv = this.key.subarray(0, 16);
    this.appIdBytes = Buffer.from(appId, 'utf8');
    this.iv.copy(this.#cipherChain);
    this.iv.copy(this.#decipherChain);
  }

  /** Decrypts an `Encrypt` value and checks its trailing AppID (-40005 on mismatch). */
  decrypt(encrypted: string): string {
    const { message, receiveId } = this.open(encrypted);
    if (receiveId !== this.appId) {
      // §2.2: WxJava skips this check; an unchecked id would accept pushes meant for another account.
      throw new WireError(
        'appid',
        `the message was encrypted for AppID '${receiveId}', not for this account's '${this.appId}'`,
        -40005,
      );
    }
    return message;
  }

  /** Decrypts without checking the AppID; returns the message, the trailing id and the random prefix. */
  open(encrypted: string): { message: string; receiveId: string; random: Buffer } {
    if (encrypted.length === 0 || encrypted.length % 4 !== 0) {
      throw new WireError('crypto', 'Encrypt is not valid base64', -40010);
    }
    const cipherText = Buffer.from(encrypted, 'base64');
    // Canonical base64 re-encodes to itself (0.3 µs); only other text meets the regex (3 µs on a push).
    if (cipherText.toString('base64') !== encrypted && !BASE64.test(encrypted)) {
      throw new WireError('crypto', 'Encrypt is not valid base64', -40010);
    }
    if (cipherText.length % BLOCK !== 0) {
      throw new WireError(
        'crypto',
        `ciphertext length ${cipherText.length} is not a multiple of ${BLOCK}`,
        -40008,
      );
    }
    let plain: Buffer;
    try {
      plain = this.decipher().update(cipherText);
    } catch (cause) {
      this.#decipher = undefined; // start the next message from a fresh context
      this.iv.copy(this.#decipherChain);
      throw new WireError('crypto', 'AES decryption failed', -40007, { cause });
    }
    // Undo the chaining to the previous message (see the class comment), then remember this one's.
    const chain = this.#decipherChain;
    for (let i = 0; i < 16; i++)
      plain[i] = (plain[i] as number) ^ (chain[i] as number) ^ (this.iv[i] as number);
    cipherText.copy(chain, 0, cipherText.length - 16);
    // §2.3: the samples treat an out-of-range byte as "no padding"; a strict reader rejects it.
    const pad = plain[plain.length - 1] ?? 0;
    if (pad < 1 || pad > BLOCK) {
      throw new WireError('crypto', `bad PKCS#7 padding byte ${pad} (must be 1..${BLOCK})`, -40008);
    }
    for (let i = plain.length - pad; i < plain.length; i++) {
      if (plain[i] !== pad) throw new WireError('crypto', 'bad PKCS#7 padding', -40008);
    }
    const full = plain.subarray(0, plain.length - pad);
    if (full.length < HEADER_LENGTH) {
      throw new WireError('crypto', 'decrypted buffer is shorter than its 20-byte header', -40008);
    }
    const length = full.readUInt32BE(RANDOM_LENGTH);
    if (HEADER_LENGTH + length > full.length) {
      throw new WireError(
        'crypto',
        `message length field ${length} exceeds the ${full.length - HEADER_LENGTH} bytes decrypted`,
        -40008,
      );
    }
    return {
      random: full.subarray(0, RANDOM_LENGTH),
      message: decodeUtf8(full.subarray(HEADER_LENGTH, HEADER_LENGTH + length)),
      receiveId: full.toString('utf8', HEADER_LENGTH + length),
    };
  }

  /** Encrypts a message for this AppID. `random` (16 bytes) is for deterministic test vectors only. */
  encrypt(message: string, random?: Buffer): string {
    // One buffer, written in place: the reply is encrypted on every safe-mode push (the hot path).
    const messageLength = Buffer.byteLength(message, 'utf8');
    const bodyLength = HEADER_LENGTH + messageLength + this.appIdBytes.length;
    const pad = BLOCK - (bodyLength % BLOCK);
    const buf = Buffer.allocUnsafe(bodyLength + pad);
    if (random === undefined) {
      fillRandom(buf, 0, RANDOM_LENGTH);
    } else if (random.length === RANDOM_LENGTH) {
      random.copy(buf, 0);
    } else {
      throw new WireError('crypto', `the random prefix must be 16 bytes (got ${random.length})`, -40006);
    }
    buf.writeUInt32BE(messageLength, RANDOM_LENGTH);
    buf.write(message, HEADER_LENGTH, 'utf8');
    this.appIdBytes.copy(buf, HEADER_LENGTH + messageLength);
    buf.fill(pad, bodyLength);
    // Chain the first block to the IV, not to the previous message (see the class comment).
    const cipher = this.cipher();
    const chain = this.#cipherChain;
    for (let i = 0; i < 16; i++) buf[i] = (buf[i] as number) ^ (chain[i] as number) ^ (this.iv[i] as number);
    let out: Buffer;
    try {
      out = cipher.update(buf);
    } catch (err) {
      this.#cipher = undefined;
      this.iv.copy(chain);
      throw err;
    }
    out.copy(chain, 0, out.length - 16);
    return out.toString('base64');
  }

  /** The reused contexts: no padding (whole 32-byte blocks), never final()ized. Made when the chain is the IV. */
  private cipher(): Cipher {
    return (this.#cipher ??= createCipheriv('aes-256-cbc', this.key, this.iv).setAutoPadding(false));
  }

  private decipher(): Decipher {
    return (this.#decipher ??= createDecipheriv('aes-256-cbc', this.key, this.iv).setAutoPadding(false));
  }
}
