/**
 * Defect 4 of issue 9: slow bodies held memory. Over raw sockets, so a body can stall halfway: an unsigned
 * or stale push is refused before its body is read, a body that has not arrived in time gets 408, and
 * bodies in flight are capped. Every wait here is for the server's answer, never a sleep.
 */
import { connect, type Socket } from 'node:net';
import { expect } from 'chai';
import { Bot } from '../../src/bot/bot.js';
import {
  nowSeconds,
  sendPush,
  signPush,
  textXml,
  type PushAccount,
  type SignedPush,
} from '../support/push.js';
import { startWebhook, type WebhookServer } from './webhook-server.js';

const ACCOUNT: PushAccount = {
  appid: 'wx1234567890abcdef',
  token: 'testtoken',
  encodingAesKey: 'OhbVrpoiVgRV5IfLBcbfnoGMbJmTPSIAoCLrZ3aWZkS',
};
const MIB = 1024 * 1024;

/** A request written by hand: its head and as much of the body as the test wants, then nothing. */
interface RawRequest {
  socket: Socket;
  /** Everything the server sent, once it closed the connection. */
  closed: Promise<string>;
}

function rawPost(origin: string, search: string, contentLength: number, firstBytes: string): RawRequest {
  const { hostname, port } = new URL(origin);
  const socket = connect(Number(port), hostname);
  socket.setNoDelay(true);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const closed = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(received));
    // A reset after the answer (the server closed with our bytes unread) still ends the exchange.
    socket.on('error', () => undefined);
  });
  socket.write(
    `POST /wechat${search} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\nContent-Type: text/xml\r\n` +
      `Content-Length: ${contentLength}\r\n\r\n${firstBytes}`,
  );
  return { socket, closed };
}

const statusOf = (response: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

describe('webhook: slow and unsigned bodies (INTERFACE.md §3, issue 9 defect 4)', () => {
  let runs: string[] = [];
  const bot = new Bot();
  bot.use((ctx) => {
    runs.push(ctx.dedupKey);
    ctx.reply('handled');
  });
  beforeEach(() => {
    runs = [];
  });

  describe('before and while reading a body', () => {
    let server: WebhookServer;
    // One body at a time, cut off after 300 ms: a slot that a refused or late body kept would show as 503.
    before(async () => {
      server = await startWebhook({ accounts: ACCOUNT, bot, bodyTimeoutMs: 300, maxBodiesInFlight: 1 });
    });
    after(() => server.close());

    it('refuses an unsigned push with 401 before reading its body, and closes the connection', async () => {
      const xml = textXml({ from: 'oUnsigned', content: 'x' });
      const push = signPush(ACCOUNT, xml);
      const unsigned = `?timestamp=${push.timestamp}&nonce=${push.nonce}&openid=oUnsigned`;
      // 1 MiB announced, 5 bytes sent: the answer must come without the rest.
      const response = await rawPost(server.origin, unsigned, MIB, '<xml>').closed;
      expect(statusOf(response)).to.equal(401);
      expect(response).to.match(/\r\nConnection: close\r\n/i);
      expect(runs).to.deep.equal([]);
    });

    it('refuses a wrongly signed, a stale and a nonce-less push the same way, in every mode', async () => {
      const xml = textXml({ from: 'oStale', content: 'x' });
      const stale = signPush(ACCOUNT, xml, { timestamp: nowSeconds() - 3600 });
      const forged = new URLSearchParams(signPush(ACCOUNT, xml, { mode: 'safe' }).query);
      forged.set('signature', '0'.repeat(40)); // msg_signature, over the body, left valid
      const nonceless = new URLSearchParams(signPush(ACCOUNT, xml).query);
      nonceless.delete('nonce');
      for (const search of [stale.search, `?${forged.toString()}`, `?${nonceless.toString()}`]) {
        const response = await rawPost(server.origin, search, MIB, '<xml>').closed;
        expect(statusOf(response), search).to.equal(401);
      }
      expect(runs).to.deep.equal([]);
    });

    it('answers 408 to a signed push whose body stalls, runs nothing, and frees its slot', async () => {
      const xml = textXml({ from: 'oSlow', content: 'x' });
      const push = signPush(ACCOUNT, xml);
      const stalled = rawPost(server.origin, push.search, push.body.length, push.body.slice(0, 20));
      const response = await stalled.closed;
      expect(statusOf(response)).to.equal(408);
      expect(response).to.match(/\r\nConnection: close\r\n/i);
      expect(runs).to.deep.equal([]);
      const ok = await sendPush(server.url, ACCOUNT, xml);
      expect(ok.status).to.equal(200);
      expect(runs).to.have.length(1);
    });
  });

  describe('bodies in flight', () => {
    let server: WebhookServer;
    /** Resolved when the handler next reads its clock: it has then checked a push's query. */
    let queryChecked: Array<() => void> = [];
    const nextQueryCheck = (): Promise<void> => new Promise((resolve) => queryChecked.push(resolve));
    before(async () => {
      server = await startWebhook({
        accounts: ACCOUNT,
        bot,
        maxBodiesInFlight: 2,
        clock: () => {
          const waiting = queryChecked;
          queryChecked = [];
          for (const resolve of waiting) resolve();
          return Date.now();
        },
      });
    });
    after(() => server.close());

    it('caps them: one more gets 503 with Retry-After, and a freed slot serves again', async () => {
      const xml = (n: number) => textXml({ from: `oCap${n}`, content: 'x', msgId: String(9_000_000 + n) });
      const [first, second, third] = [1, 2, 3].map((n) => signPush(ACCOUNT, xml(n))) as [
        SignedPush,
        SignedPush,
        SignedPush,
      ];
      // Two bodies stall halfway; each is in flight once the handler has checked its query.
      const checkedA = nextQueryCheck();
      const a = rawPost(server.origin, first.search, first.body.length, first.body.slice(0, 10));
      await checkedA;
      const checkedB = nextQueryCheck();
      const b = rawPost(server.origin, second.search, second.body.length, second.body.slice(0, 10));
      await checkedB;

      const refused = await rawPost(server.origin, third.search, third.body.length, third.body).closed;
      expect(statusOf(refused)).to.equal(503);
      expect(refused).to.match(/\r\nRetry-After: 1\r\n/i);
      expect(refused).to.match(/\r\nConnection: close\r\n/i);
      expect(runs).to.deep.equal([]);

      // The first body completes (200); the second's client goes away: both slots are free again.
      a.socket.write(first.body.slice(10));
      expect(statusOf(await a.closed)).to.equal(200);
      b.socket.destroy();
      await b.closed;
      const checkedC = nextQueryCheck();
      const c = rawPost(server.origin, third.search, third.body.length, third.body.slice(0, 10));
      await checkedC;
      const checkedD = nextQueryCheck();
      const d = rawPost(server.origin, second.search, second.body.length, second.body.slice(0, 10));
      await checkedD;
      c.socket.write(third.body.slice(10));
      d.socket.write(second.body.slice(10));
      expect([statusOf(await c.closed), statusOf(await d.closed)]).to.deep.equal([200, 200]);
      expect(runs).to.have.length(3);
    });
  });
});
