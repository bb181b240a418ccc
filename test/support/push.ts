/**
 * Test helpers that act like WeChat's servers: build a push, sign it (and encrypt it in compatible / safe
 * mode), POST it over real HTTP, and open the reply. The crypto here is written again on node:crypto from
 * WECHAT-PROTOCOL.md §1–2 instead of importing src/wire, so a bug there cannot cancel itself out in tests.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt } from 'node:crypto';

/** The account a push is for, as the WeChat console knows it. */
export interface PushAccount {
  appid: string;
  token: string;
  encodingAesKey?: string | undefined;
  /** ToUserName of the pushes; default `gh_test0000001`. */
  ghId?: string | undefined;
}

/** plaintext, compatible (plain fields + Encrypt), safe (Encrypt only) — WECHAT-PROTOCOL.md §1.1. */
export type PushMode = 'plain' | 'compat' | 'safe';

/** How to sign a push; everything defaults to what WeChat would send now. */
export interface SignOptions {
  mode?: PushMode;
  /** Unix seconds; default now. */
  timestamp?: number | string;
  nonce?: string;
  /** The `openid` query parameter; default the FromUserName of the XML. */
  openid?: string;
  /** Encrypt for another AppID (to forge a wrong-AppID push). */
  encryptAppid?: string;
  /** Corrupt the signature that the server must check (`msg_signature` when encrypted). */
  tamper?: boolean;
  /** Leave `encrypt_type` out of an encrypted push's query. */
  omitEncryptType?: boolean;
}

/** A signed push, ready to POST. */
export interface SignedPush {
  /** `?signature=…&timestamp=…` — append to the webhook's path. */
  search: string;
  query: Record<string, string>;
  body: string;
  timestamp: string;
  nonce: string;
}

/** What came back over HTTP. */
export interface HttpAnswer {
  status: number;
  contentType: string | null;
  body: string;
  headers: Headers;
}

/** SHA-1 of the sorted parts (§1.2). */
export function sign(...parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''), 'utf8')
    .digest('hex');
}

function aesKey(encodingAesKey: string): Buffer {
  const key = Buffer.from(encodingAesKey + '=', 'base64');
  if (key.length !== 32) throw new Error('EncodingAESKey must decode to 32 bytes');
  return key;
}

/** WeChat's AES: random(16) | len (uint32 BE) | message | appid, PKCS#7 to 32 bytes (§2.2–2.4). */
export function encrypt(
  message: string,
  encodingAesKey: string,
  appid: string,
  random = randomBytes(16),
): string {
  const key = aesKey(encodingAesKey);
  const msg = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(msg.length);
  const body = Buffer.concat([random, length, msg, Buffer.from(appid, 'utf8')]);
  const pad = 32 - (body.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([
    cipher.update(Buffer.concat([body, Buffer.alloc(pad, pad)])),
    cipher.final(),
  ]).toString('base64');
}

/** The inverse of `encrypt`: the message and the AppID it was encrypted for. */
export function decrypt(encrypted: string, encodingAesKey: string): { message: string; appid: string } {
  const key = aesKey(encodingAesKey);
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > 32) throw new Error(`bad padding ${pad}`);
  const full = plain.subarray(0, plain.length - pad);
  const length = full.readUInt32BE(16);
  return {
    message: full.subarray(20, 20 + length).toString('utf8'),
    appid: full.subarray(20 + length).toString('utf8'),
  };
}

const cdata = (value: string): string => `<![CDATA[${value}]]>`;

/** A text message push (§3.2). */
export function textXml(o: {
  from: string;
  content: string;
  msgId?: string;
  to?: string;
  createTime?: number;
}): string {
  return (
    `<xml><ToUserName>${cdata(o.to ?? DEFAULT_GH)}</ToUserName><FromUserName>${cdata(o.from)}</FromUserName>` +
    `<CreateTime>${o.createTime ?? nowSeconds()}</CreateTime><MsgType>${cdata('text')}</MsgType>` +
    `<Content>${cdata(o.content)}</Content><MsgId>${o.msgId ?? String(randomInt(1e9, 2 ** 47))}</MsgId></xml>`
  );
}

/** An event push (§3.3); EventKey and Ticket only when given. */
export function eventXml(o: {
  from: string;
  event: string;
  eventKey?: string;
  ticket?: string;
  to?: string;
  createTime?: number;
}): string {
  return (
    `<xml><ToUserName>${cdata(o.to ?? DEFAULT_GH)}</ToUserName><FromUserName>${cdata(o.from)}</FromUserName>` +
    `<CreateTime>${o.createTime ?? nowSeconds()}</CreateTime><MsgType>${cdata('event')}</MsgType>` +
    `<Event>${cdata(o.event)}</Event>` +
    (o.eventKey === undefined ? '' : `<EventKey>${cdata(o.eventKey)}</EventKey>`) +
    (o.ticket === undefined ? '' : `<Ticket>${cdata(o.ticket)}</Ticket>`) +
    `</xml>`
  );
}

/** The default ToUserName of test pushes. */
export const DEFAULT_GH = 'gh_test0000001';

/** Unix seconds now. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Signs (and in compat / safe mode encrypts) a push the way WeChat does (§1.3, §2.6). */
export function signPush(account: PushAccount, xml: string, options: SignOptions = {}): SignedPush {
  const mode = options.mode ?? 'plain';
  const timestamp = String(options.timestamp ?? nowSeconds());
  const nonce = options.nonce ?? String(randomInt(1e9, 1e10));
  const openid = options.openid ?? /<FromUserName><!\[CDATA\[([^\]]*)\]\]>/.exec(xml)?.[1] ?? 'oUnknown';
  const query: Record<string, string> = {
    signature: sign(account.token, timestamp, nonce),
    timestamp,
    nonce,
    openid,
  };
  let body = xml;
  if (mode !== 'plain') {
    if (account.encodingAesKey === undefined)
      throw new Error(`${mode} mode needs the account's encodingAesKey`);
    const encrypted = encrypt(xml, account.encodingAesKey, options.encryptAppid ?? account.appid);
    body =
      mode === 'safe'
        ? `<xml><ToUserName>${cdata(account.ghId ?? DEFAULT_GH)}</ToUserName><Encrypt>${cdata(encrypted)}</Encrypt></xml>`
        : xml.replace('</xml>', `<Encrypt>${cdata(encrypted)}</Encrypt></xml>`);
    if (!options.omitEncryptType) query['encrypt_type'] = 'aes';
    query['msg_signature'] = sign(account.token, timestamp, nonce, encrypted);
  }
  if (options.tamper) {
    const name = mode === 'plain' ? 'signature' : 'msg_signature';
    const value = query[name] as string;
    query[name] = (value[0] === '0' ? '1' : '0') + value.slice(1);
  }
  return { search: `?${new URLSearchParams(query).toString()}`, query, body, timestamp, nonce };
}

/** POSTs a signed push to the webhook at `url` (without query string). */
export async function postPush(url: string, push: SignedPush): Promise<HttpAnswer> {
  const response = await fetch(url + push.search, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: push.body,
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: await response.text(),
    headers: response.headers,
  };
}

/** Reads a flat WeChat XML document into `{ Tag: text }` (CDATA or plain text). */
export function readXml(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  const element = /<([A-Za-z_][\w.-]*)>\s*(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))\s*<\/\1>/g;
  for (let m = element.exec(xml); m !== null; m = element.exec(xml)) {
    if (m[1] !== 'xml') out[m[1] as string] = m[2] ?? (m[3] as string);
  }
  return out;
}

/**
 * Opens an encrypted reply (§2.5): checks MsgSignature and the AppID trailer and returns the inner XML
 * with the envelope's fields. Throws when either check fails.
 */
export function openReply(
  account: PushAccount,
  body: string,
): { xml: string; envelope: Record<string, string> } {
  const envelope = readXml(body);
  const { Encrypt, MsgSignature, TimeStamp, Nonce } = envelope;
  if (Encrypt === undefined || MsgSignature === undefined || TimeStamp === undefined || Nonce === undefined) {
    throw new Error(`not an encrypted reply: ${body.slice(0, 200)}`);
  }
  if (sign(account.token, TimeStamp, Nonce, Encrypt) !== MsgSignature)
    throw new Error('reply MsgSignature is wrong');
  if (account.encodingAesKey === undefined) throw new Error('the account has no encodingAesKey');
  const { message, appid } = decrypt(Encrypt, account.encodingAesKey);
  if (appid !== account.appid) throw new Error(`reply encrypted for ${appid}, not ${account.appid}`);
  return { xml: message, envelope };
}

/**
 * Signs, POSTs and reads the answer of one push: `reply` is the passive reply's fields (decrypted when the
 * answer is encrypted), null for `success` or an error status.
 */
export async function sendPush(
  url: string,
  account: PushAccount,
  xml: string,
  options: SignOptions = {},
): Promise<HttpAnswer & { reply: Record<string, string> | null; encrypted: boolean }> {
  const answer = await postPush(url, signPush(account, xml, options));
  if (answer.status !== 200 || answer.body === 'success' || answer.body === '') {
    return { ...answer, reply: null, encrypted: false };
  }
  const encrypted = answer.body.includes('<Encrypt>');
  const inner = encrypted ? openReply(account, answer.body).xml : answer.body;
  return { ...answer, reply: readXml(inner), encrypted };
}

/** The query of a GET URL verification (§1.2). */
export function verificationSearch(token: string, echostr: string, timestamp = nowSeconds()): string {
  const nonce = String(randomInt(1e9, 1e10));
  const query = {
    signature: sign(token, String(timestamp), nonce),
    timestamp: String(timestamp),
    nonce,
    echostr,
  };
  return `?${new URLSearchParams(query).toString()}`;
}
