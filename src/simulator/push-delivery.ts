import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { MessageCrypto } from '../wire/crypto.js';
import { wechatSignature } from '../wire/signature.js';
import { unixSeconds } from './clock.js';
import { newNonce } from './ids.js';
import { checkReply } from './reply-check.js';
import type { MessageMode, PushOptions, PushResult, SimClock } from './types.js';
import { buildXml, cdata, field, parseWechatXml } from './xml.js';

/** The account a push is for. */
export interface PushTarget {
  webhookUrl: string | undefined;
  mode: MessageMode;
  token: string;
  ghId: string;
  crypto: MessageCrypto;
}

/** Platform-wide push behaviour. */
export interface PushSettings {
  clock: SimClock;
  logger: Logger;
  /** §4.1: WeChat waits 5 s for an answer. */
  timeoutMs: number;
  /** Deliveries in total (first + retries). */
  maxDeliveries: number;
}

/** The HTTP request WeChat sends for a push (§1.3), before delivery. */
export interface PushRequest {
  url: URL;
  body: string;
  openid: string | undefined;
}

/**
 * Builds the POST of §1.3: query `signature`, `timestamp`, `nonce`, `openid`, and in safe/compat mode
 * `encrypt_type=aes` + `msg_signature` over the `Encrypt` text. Safe bodies carry ToUserName + Encrypt
 * only; compat bodies the plaintext fields plus Encrypt (§2.6).
 */
export function buildPushRequest(
  target: PushTarget,
  xml: string,
  opts: PushOptions,
  clock: SimClock,
): PushRequest {
  if (target.webhookUrl === undefined) throw new Error('no webhookUrl');
  let openid: string | undefined;
  try {
    openid = field(parseWechatXml(xml), 'FromUserName');
  } catch {
    openid = undefined; // raw pushes may be deliberately malformed; they still go out signed
  }
  const timestamp = String(opts.timestamp ?? unixSeconds(clock));
  const nonce = opts.nonce ?? newNonce();
  let signature = wechatSignature(target.token, timestamp, nonce);
  let body = xml;
  let msgSignature: string | undefined;
  if (target.mode !== 'plain') {
    const encrypted = target.crypto.encrypt(xml);
    msgSignature = wechatSignature(target.token, timestamp, nonce, encrypted);
    body =
      target.mode === 'safe'
        ? buildXml({ ToUserName: target.ghId, Encrypt: encrypted })
        : xml.replace(/<\/xml>\s*$/, `<Encrypt>${cdata(encrypted)}</Encrypt></xml>`);
  }
  if (opts.tamper) {
    signature = corrupt(signature);
    if (msgSignature !== undefined) msgSignature = corrupt(msgSignature);
  }
  const url = new URL(target.webhookUrl);
  url.searchParams.set('signature', signature);
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', nonce);
  if (openid !== undefined) url.searchParams.set('openid', openid);
  if (msgSignature !== undefined) {
    url.searchParams.set('encrypt_type', 'aes');
    url.searchParams.set('msg_signature', msgSignature);
  }
  return { url, body, openid };
}

/** Flips the last hex digit: still 40 hex characters, no longer the right one. */
function corrupt(signature: string): string {
  const last = signature.at(-1) === '0' ? '1' : '0';
  return signature.slice(0, -1) + last;
}

/**
 * Delivers a push the way WeChat does (§4.1): waits `timeoutMs` for an answer, drops the connection and sends
 * the very same request again, up to `maxDeliveries` in total. An answer (any status) ends the retries.
 */
export async function deliverPush(
  target: PushTarget,
  xml: string,
  opts: PushOptions,
  settings: PushSettings,
): Promise<PushResult> {
  if (target.webhookUrl === undefined) {
    return {
      status: 0,
      body: '',
      contentType: null,
      ms: 0,
      reply: null,
      replyXml: null,
      replyError: 'no webhookUrl set',
      deliveries: 0,
    };
  }
  const request = buildPushRequest(target, xml, opts, settings.clock);
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  let failure = '';
  for (let delivery = 1; delivery <= settings.maxDeliveries; delivery++) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        headers: { 'content-type': 'text/xml', 'user-agent': 'Mozilla/4.0' },
        body: request.body,
        redirect: 'manual',
        signal: controller.signal,
      });
      const body = await response.text();
      clearTimeout(timer);
      const base = {
        status: response.status,
        body,
        contentType: response.headers.get('content-type'),
        deliveries: delivery,
      };
      settings.logger.debug({ url: target.webhookUrl, status: response.status, delivery }, 'push answered');
      if (response.status !== 200) {
        return { ...base, ms: elapsed(), reply: null, replyXml: null, replyError: `HTTP ${response.status}` };
      }
      const verdict = checkReply(
        {
          mode: target.mode,
          token: target.token,
          crypto: target.crypto,
          openid: request.openid,
          ghId: target.ghId,
        },
        body,
      );
      return { ...base, ms: elapsed(), ...verdict };
    } catch (e) {
      clearTimeout(timer);
      failure = controller.signal.aborted
        ? `no answer within ${settings.timeoutMs} ms`
        : `connection failed: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`;
      settings.logger.debug({ url: target.webhookUrl, delivery, failure }, 'push unanswered; WeChat retries');
    }
  }
  return {
    status: 0,
    body: '',
    contentType: null,
    ms: elapsed(),
    reply: null,
    replyXml: null,
    replyError: `${failure} (after ${settings.maxDeliveries} deliveries)`,
    deliveries: settings.maxDeliveries,
  };
}
