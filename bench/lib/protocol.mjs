/**
 * The WeChat push protocol for the benchmark's client and baselines, on node:crypto only (WECHAT-PROTOCOL.md
 * §1–2), so the load and its checks do not depend on the code under test. Ported from
 * ../shared/bench/lib/protocol.js.
 */
import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt } from 'node:crypto';
import { URLSearchParams } from 'node:url';

/** The benchmark identity: the same as ../shared/bench uses, so numbers compare with its peers. */
export const BENCH = Object.freeze({
  token: 'benchtoken',
  appid: 'wx1234567890abcdef',
  encodingAesKey: 'OhbVrpoiVgRV5IfLBcbfnoGMbJmTPSIAoCLrZ3aWZkS',
  ghId: 'gh_0123456789ab',
  scene: 'campaign42',
  replyText: 'Welcome!',
  path: '/wechat',
  /** ADMIN_TOKEN of the full server (servers/wxoa-server.mjs): the bench reads its /metrics with it. */
  adminToken: 'bench-admin-token-0123456789',
});

const TICKET = 'gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2NhbXBhaWduNDI';
const KEY = Buffer.from(BENCH.encodingAesKey + '=', 'base64');
const IV = KEY.subarray(0, 16);

/** sha1 over the sorted parts, hex (§1.2). */
export function signature(...parts) {
  return createHash('sha1').update(parts.map(String).sort().join('')).digest('hex');
}

/** WeChat's AES (§2.4) for the benchmark account. */
export function encrypt(xml, appid = BENCH.appid) {
  const msg = Buffer.from(xml, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length);
  const plain = Buffer.concat([randomBytes(16), len, msg, Buffer.from(appid)]);
  const pad = 32 - (plain.length % 32);
  const c = createCipheriv('aes-256-cbc', KEY, IV);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), c.final()]).toString(
    'base64',
  );
}

/** The inverse of encrypt(): { message, appid }. */
export function decrypt(b64) {
  const d = createDecipheriv('aes-256-cbc', KEY, IV);
  d.setAutoPadding(false);
  const buf = Buffer.concat([d.update(b64, 'base64'), d.final()]);
  const plain = buf.subarray(0, buf.length - buf[buf.length - 1]);
  const len = plain.readUInt32BE(16);
  return { message: plain.toString('utf8', 20, 20 + len), appid: plain.toString('utf8', 20 + len) };
}

const cdata = (v) => `<![CDATA[${v}]]>`;

/** A follow through the QR scene `campaign42` (§3.3). */
export function subscribeXml(openid, createTime) {
  return (
    `<xml><ToUserName>${cdata(BENCH.ghId)}</ToUserName><FromUserName>${cdata(openid)}</FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType>${cdata('event')}</MsgType><Event>${cdata('subscribe')}</Event>` +
    `<EventKey>${cdata('qrscene_' + BENCH.scene)}</EventKey><Ticket>${cdata(TICKET)}</Ticket></xml>`
  );
}

/** The passive text reply every target must give (the baselines send it pre-built). */
export function textReplyXml(openid, content = BENCH.replyText, createTime = Math.floor(Date.now() / 1000)) {
  return (
    `<xml><ToUserName>${cdata(openid)}</ToUserName><FromUserName>${cdata(BENCH.ghId)}</FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType>${cdata('text')}</MsgType><Content>${cdata(content)}</Content></xml>`
  );
}

/** The safe-mode envelope around a reply (§2.5). */
export function encryptedReplyXml(innerXml, timestamp = Math.floor(Date.now() / 1000), nonce = '1234567890') {
  const enc = encrypt(innerXml);
  return (
    `<xml><Encrypt>${cdata(enc)}</Encrypt><MsgSignature>${cdata(signature(BENCH.token, timestamp, nonce, enc))}` +
    `</MsgSignature><TimeStamp>${timestamp}</TimeStamp><Nonce>${cdata(nonce)}</Nonce></xml>`
  );
}

/**
 * One signed push: `i` makes it distinct (its own FromUserName and CreateTime, hence its own dedup key).
 * mode 'plain' or 'aes'; `forge` builds the probes: 'signature' (one hex digit changed), 'stale' (an hour
 * old), 'appid' (encrypted for another AppID).
 */
export function buildPush(mode, i, timestamp, { forge } = {}) {
  const openid = `oBench${String(i).padStart(22, '0')}`;
  const ts = forge === 'stale' ? timestamp - 3600 : timestamp;
  const nonce = String(randomInt(1e9, 1e10));
  const xml = subscribeXml(openid, timestamp - (i % 3600));
  const query = { signature: signature(BENCH.token, ts, nonce), timestamp: String(ts), nonce, openid };
  let body = xml;
  if (mode === 'aes') {
    const enc = encrypt(xml, forge === 'appid' ? 'wx0000000000000000' : BENCH.appid);
    body = `<xml><ToUserName>${cdata(BENCH.ghId)}</ToUserName><Encrypt>${cdata(enc)}</Encrypt></xml>`;
    query.encrypt_type = 'aes';
    query.msg_signature = signature(BENCH.token, ts, nonce, enc);
  }
  if (forge === 'signature') {
    const k = mode === 'aes' ? 'msg_signature' : 'signature';
    query[k] = (query[k][0] === '0' ? '1' : '0') + query[k].slice(1);
  }
  return { path: `${BENCH.path}?${new URLSearchParams(query)}`, body, openid };
}

/** `{ Tag: text }` of a flat WeChat XML document. */
export function readXml(xml) {
  const out = {};
  const re = /<([A-Za-z_][\w.-]*)>\s*(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))\s*<\/\1>/g;
  for (let m = re.exec(xml); m !== null; m = re.exec(xml)) if (m[1] !== 'xml') out[m[1]] = m[2] ?? m[3];
  return out;
}

/**
 * Checks a reply to `push`: `errors` when it is not the expected 'Welcome!' (decrypted and verified in aes
 * mode), `warnings` for deviations WeChat tolerates (times in milliseconds), as ../shared/bench does.
 */
export function checkReply(mode, push, { status, body }) {
  const errors = [];
  const warnings = [];
  if (status !== 200) return { errors: [`HTTP ${status}`], warnings };
  let inner = body;
  if (mode === 'aes') {
    const env = readXml(body);
    if (!env.Encrypt) return { errors: ['reply is not encrypted'], warnings };
    if (env.MsgSignature !== signature(BENCH.token, env.TimeStamp, env.Nonce, env.Encrypt)) {
      errors.push('reply MsgSignature does not verify');
    }
    if (Number(env.TimeStamp) > 1e11) warnings.push('TimeStamp in milliseconds');
    const d = decrypt(env.Encrypt);
    if (d.appid !== BENCH.appid) errors.push(`reply encrypted for ${d.appid}`);
    inner = d.message;
  }
  const r = readXml(inner);
  if (r.ToUserName !== push.openid) errors.push(`ToUserName ${r.ToUserName}`);
  if (r.FromUserName !== BENCH.ghId) errors.push(`FromUserName ${r.FromUserName}`);
  if (r.Content !== BENCH.replyText) errors.push(`Content ${r.Content}`);
  if (!Number.isFinite(Number(r.CreateTime))) errors.push(`CreateTime ${r.CreateTime}`);
  else if (Number(r.CreateTime) > 1e11) warnings.push('CreateTime in milliseconds');
  return { errors, warnings };
}
