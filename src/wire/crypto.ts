import { createCipheriv, createDecipheriv } from 'node:crypto';
import { WireError } from './errors.js';
import { fillRandom } from './random-pool.js';

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

/** A key ready for repeated use: decoding once keeps the base64 work off the per-push path. */
export class MessageCrypto {
  private readonly key: Buffer;
  private readonly iv: Buffer;
  private readonly appIdBytes: Buffer;

  constructor(
    encodingAesKey: string,
    /** The receiveId: the AppID of the Official Account (or component_appid / CorpID, §2.2). */
    readonly appId: string,
  ) {
    this.key = decodeAesKey(encodingAesKey);
    this.iv = this.key.subarray(0, 16);
    this.appIdBytes = Buffer.from(appId, 'utf8');
  }

  /** Decrypts an `Encrypt` value and checks its trailing AppID (-40005 on mismatch). */
  decrypt(encrypted: string): string {
    const { message, receiveId } = this.open(encrypted);
    if (receiveId !== this.appId) {
      // §2.2: WxJava skips this check; an unchecked id would accept pushes meant for another account.
      throw new WireError(
        'appid',
        `the message was encrypted for AppID '${receiveId}', not this account`,
        -40005,
      );
    }
    return message;
  }

  /** Decrypts without checking the AppID; returns the message, the trailing id and the random prefix. */
  open(encrypted: string): { message: string; receiveId: string; random: Buffer } {
    if (encrypted.length === 0 || encrypted.length % 4 !== 0 || !BASE64.test(encrypted)) {
      throw new WireError('crypto', 'Encrypt is not valid base64', -40010);
    }
    const cipherText = Buffer.from(encrypted, 'base64');
    if (cipherText.length % BLOCK !== 0) {
      throw new WireError(
        'crypto',
        `ciphertext length ${cipherText.length} is not a multiple of ${BLOCK}`,
        -40008,
      );
    }
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-cbc', this.key, this.iv);
      decipher.setAutoPadding(false);
      plain = decipher.update(cipherText);
      decipher.final(); // whole blocks and no auto-padding: final() yields nothing
    } catch (cause) {
      throw new WireError('crypto', 'AES decryption failed', -40007, { cause });
    }
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
      message: full.toString('utf8', HEADER_LENGTH, HEADER_LENGTH + length),
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
    const cipher = createCipheriv('aes-256-cbc', this.key, this.iv);
    cipher.setAutoPadding(false);
    const out = cipher.update(buf);
    cipher.final(); // whole blocks and no auto-padding: final() adds nothing
    return out.toString('base64');
  }
}
