/**
 * Helpers for the simulator's own tests: JSON over fetch, a token for an account, and a tiny webhook that
 * checks every push the way a WeChat server must (§1.3, §2) and answers what each test tells it to.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MessageCrypto } from '../../src/wire/crypto.js';
import { safeEqual, wechatSignature } from '../../src/wire/signature.js';
import type { SimAccount, Simulator } from '../../src/simulator/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** GET a URL and parse its JSON answer. */
export async function getJson(url: string): Promise<Json> {
  const res = await fetch(url);
  return res.json();
}

/** POST JSON and parse the JSON answer. */
export async function postJson(url: string, body: unknown): Promise<Json> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.json();
}

/** A fresh /cgi-bin/token token for the account. */
export async function tokenFor(sim: Simulator, account: SimAccount): Promise<string> {
  const q = new URLSearchParams({
    grant_type: 'client_credential',
    appid: account.appid,
    secret: account.appsecret,
  });
  const body = await getJson(`${sim.url}/cgi-bin/token?${q}`);
  if (typeof body.access_token !== 'string') throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** One push as the receiver saw it. */
export interface ReceivedPush {
  query: Record<string, string>;
  rawBody: string;
  /** The message XML: the body itself in plaintext mode, else the decrypted Encrypt. */
  xml: string;
  /** Whether the query signature (and msg_signature when encrypted) verified. */
  verified: boolean;
  encrypted: boolean;
}

/** What the receiver answers: a reply XML (encrypted by the receiver when the push was), or a raw answer. */
export type ReceiverAnswer =
  | { xml: string; encrypt?: boolean; envelope?: (e: Envelope) => Envelope; encryptFor?: string }
  | { raw: string; status?: number; contentType?: string };

/** The encrypted reply envelope of §2.5, editable by a test to forge it. */
export interface Envelope {
  Encrypt: string;
  MsgSignature: string;
  TimeStamp: string;
  Nonce: string;
}

/** A webhook on 127.0.0.1:0 that verifies pushes for one account. */
export interface Receiver {
  url: string;
  pushes: ReceivedPush[];
  /** Decides the answer; `delivery` counts deliveries from 1. Default: `success`. */
  answer: (push: ReceivedPush, delivery: number) => ReceiverAnswer | Promise<ReceiverAnswer>;
  /** Milliseconds to wait before answering delivery n (for retry tests); Infinity: until WeChat hangs up. */
  delay: (delivery: number) => number;
  close(): Promise<void>;
}

/** Starts a receiver for `account` (its token, key and appid at the time of each push). */
export async function startReceiver(account: SimAccount): Promise<Receiver> {
  let deliveries = 0;
  const receiver: Receiver = {
    url: '',
    pushes: [],
    answer: () => ({ raw: 'success' }),
    delay: () => 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const delivery = ++deliveries;
      const rawBody = await readBody(req);
      const query = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
      const push = verify(account, query, rawBody);
      receiver.pushes.push(push);
      if (!push.verified) {
        res.writeHead(401).end('bad signature');
        return;
      }
      await waitUnlessHungUp(res, receiver.delay(delivery));
      if (res.destroyed || req.socket.destroyed) return; // WeChat hung up (a retry is on its way)
      const answer = await receiver.answer(push, delivery);
      if ('raw' in answer) {
        res
          .writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'text/plain' })
          .end(answer.raw);
        return;
      }
      const encrypt = answer.encrypt ?? push.encrypted;
      const body = encrypt ? envelopeXml(account, answer.xml, query['nonce'] ?? '1', answer) : answer.xml;
      res.writeHead(200, { 'content-type': 'text/xml' }).end(body);
    })().catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wechat`;
  return receiver;
}

/** Waits `ms` (may be Infinity), or less if the client hangs up first; leaves no timer behind. */
function waitUnlessHungUp(res: ServerResponse, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (timer) clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : null;
    res.once('close', done);
  });
}

function verify(account: SimAccount, q: Record<string, string>, rawBody: string): ReceivedPush {
  const { signature = '', timestamp = '', nonce = '' } = q;
  let verified = safeEqual(signature, wechatSignature(account.token, timestamp, nonce));
  const encrypted = q['encrypt_type'] === 'aes';
  let xml = rawBody;
  if (encrypted) {
    const match = /<Encrypt><!\[CDATA\[([^\]]*)\]\]><\/Encrypt>/.exec(rawBody);
    const cipher = match?.[1] ?? '';
    verified &&= safeEqual(
      q['msg_signature'] ?? '',
      wechatSignature(account.token, timestamp, nonce, cipher),
    );
    if (verified) xml = new MessageCrypto(account.encodingAesKey, account.appid).decrypt(cipher);
  }
  return { query: q, rawBody, xml, verified, encrypted };
}

function envelopeXml(
  account: SimAccount,
  xml: string,
  nonce: string,
  opts: { envelope?: (e: Envelope) => Envelope; encryptFor?: string },
): string {
  const cipher = new MessageCrypto(account.encodingAesKey, opts.encryptFor ?? account.appid).encrypt(xml);
  const timeStamp = String(Math.floor(Date.now() / 1000));
  let e: Envelope = {
    Encrypt: cipher,
    MsgSignature: wechatSignature(account.token, timeStamp, nonce, cipher),
    TimeStamp: timeStamp,
    Nonce: nonce,
  };
  if (opts.envelope) e = opts.envelope(e);
  return (
    `<xml><Encrypt><![CDATA[${e.Encrypt}]]></Encrypt><MsgSignature><![CDATA[${e.MsgSignature}]]></MsgSignature>` +
    `<TimeStamp>${e.TimeStamp}</TimeStamp><Nonce><![CDATA[${e.Nonce}]]></Nonce></xml>`
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** A field of an inbound XML (CDATA or bare), for assertions. */
export function xmlField(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`).exec(xml);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** A text reply to a push, as a correct server writes it (§4.2). */
export function textReply(push: ReceivedPush, content: string): string {
  const from = xmlField(push.xml, 'FromUserName') ?? '';
  const to = xmlField(push.xml, 'ToUserName') ?? '';
  return (
    `<xml><ToUserName><![CDATA[${from}]]></ToUserName><FromUserName><![CDATA[${to}]]></FromUserName>` +
    `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content><![CDATA[${content.replaceAll(']]>', ']]]]><![CDATA[>')}]]></Content></xml>`
  );
}
