import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { WireError } from './errors.js';

/**
 * WXBizMsgCrypt (WECHAT-PROTOCOL.md §2): AES-256-CBC, IV = first 16 key bytes, PKCS#7 padding to 32-byte
 * blocks, plaintext = random(16) | uint32 BE length | message | receiveId (the AppID).
 */
const BLOCK = 32;
const AES_KEY_CHARS = /^[A-Za-z0-9]{43}$/;

/** Decodes a 43-character EncodingAESKey into the 32-byte AES key (-40004 otherwise). */
export function decodeAesKey(encodingAesKey: string): Buffer {
  if (!AES_KEY_CHARS.test(encodingAesKey)) {
    throw new WireError(
      'crypto',
      `EncodingAESKey must be 43 characters of [A-Za-z0-9] (got ${encodingAesKey.length})`,
      -40004,
    );
  }
  return Buffer.from(encodingAesKey + '=', 'base64');
}

/** A key ready for repeated use: decoding once keeps the base64 work off the per-push path. */
export class MessageCrypto {
  private readonly key: Buffer;
  private readonly iv: Buffer;

  constructor(
    encodingAesKey: string,
    /** The receiveId: the AppID of the Official Account (or component_appid / CorpID). */
    readonly appId: string,
  ) {
    this.key = decodeAesKey(encodingAesKey);
    this.iv = this.key.subarray(0, 16);
  }

  /** Decrypts an `Encrypt` value and checks its trailing AppID (-40005 on mismatch). */
  decrypt(encrypted: string): string {
    const { message, receiveId } = this.open(encrypted);
    if (receiveId !== this.appId) {
      throw new WireError('appid', 'the message was encrypted for another AppID', -40005);
    }
    return message;
  }

  /** Decrypts without checking the AppID; returns both parts. */
  open(encrypted: string): { message: string; receiveId: string; random: Buffer } {
    if (encrypted.length === 0 || encrypted.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(encrypted)) {
      throw new WireError('crypto', 'Encrypt is not valid base64', -40010);
    }
    const cipherText = Buffer.from(encrypted, 'base64');
    if (cipherText.length === 0 || cipherText.length % BLOCK !== 0) {
      throw new WireError('crypto', `ciphertext length ${cipherText.length} is not a multiple of ${BLOCK}`, -40008);
    }
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-cbc', this.key, this.iv);
      decipher.setAutoPadding(false);
      plain = Buffer.concat([decipher.update(cipherText), decipher.final()]);
    } catch (cause) {
      throw new WireError('crypto', 'AES decryption failed', -40007, { cause });
    }
    const pad = plain[plain.length - 1] ?? 0;
    if (pad < 1 || pad > BLOCK || pad > plain.length) {
      throw new WireError('crypto', `bad PKCS#7 padding byte ${pad}`, -40008);
    }
    for (let i = plain.length - pad; i < plain.length; i++) {
      if (plain[i] !== pad) throw new WireError('crypto', 'bad PKCS#7 padding', -40008);
    }
    const full = plain.subarray(0, plain.length - pad);
    if (full.length < 20) throw new WireError('crypto', 'decrypted buffer too short', -40008);
    const length = full.readUInt32BE(16);
    if (20 + length > full.length) {
      throw new WireError('crypto', `message length ${length} exceeds the decrypted buffer`, -40008);
    }
    return {
      random: full.subarray(0, 16),
      message: full.toString('utf8', 20, 20 + length),
      receiveId: full.toString('utf8', 20 + length),
    };
  }

  /** Encrypts a message for this AppID. `random` is for deterministic test vectors only. */
  encrypt(message: string, random: Buffer = randomBytes(16)): string {
    const msg = Buffer.from(message, 'utf8');
    const id = Buffer.from(this.appId, 'utf8');
    const bodyLength = 20 + msg.length + id.length;
    const pad = BLOCK - (bodyLength % BLOCK);
    const buf = Buffer.allocUnsafe(bodyLength + pad);
    random.copy(buf, 0, 0, 16);
    buf.writeUInt32BE(msg.length, 16);
    msg.copy(buf, 20);
    id.copy(buf, 20 + msg.length);
    buf.fill(pad, bodyLength);
    const cipher = createCipheriv('aes-256-cbc', this.key, this.iv);
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(buf), cipher.final()]).toString('base64');
  }
}
