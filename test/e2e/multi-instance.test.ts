/**
 * Issue 4 / INTERFACE.md §3: several wxoa instances on one PostgreSQL database behave as one server. A push
 * retried to another instance, or delivered to two at once, gets one answer, one stored event, one run of
 * the handlers; the access token is fetched once for all of them.
 */
import { expect } from 'chai';
import { Composer } from '../../src/bot/composer.js';
import type { Context } from '../../src/bot/context.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { gate } from '../http/webhook-server.js';
import { eventXml, openReply, postPush, signPush, textXml, type PushAccount } from '../support/push.js';
import { callsTo, e2eDatabase, startE2eServer, type E2eDatabase, type E2eServer } from '../support/server.js';

describe('e2e: two instances on one PostgreSQL database', function () {
  let sim: Simulator;
  let account: SimAccount;
  let push: PushAccount;
  let db: E2eDatabase;
  let a: E2eServer;
  let b: E2eServer;
  /** Handler runs, across both instances, by follower (each test pushes as its own follower). */
  const runs = new Map<string, number>();
  /** B's own store (the real one), watched so a test knows when B found a push pending. */
  let storeB: Store;
  /** Told of each dedup key B's claim found already claimed by another delivery. */
  let onPendingAtB: (key: string) => void = () => undefined;
  /** While set, the text handler waits for it: the first delivery is held mid-handling. */
  let holdText: Promise<void> | null = null;
  let textEntered: () => void = () => undefined;

  /** The same code handlers in each instance, as one deployment would run them. */
  function handlers(): Composer<Context> {
    const composer = new Composer<Context>();
    const count = (ctx: Context) => {
      const n = (runs.get(ctx.openid) ?? 0) + 1;
      runs.set(ctx.openid, n);
      return n;
    };
    composer.on('event:subscribe', (ctx) => {
      ctx.reply(`Welcome! (handled ${count(ctx)} time(s))`);
    });
    composer.on('message:text', async (ctx) => {
      const n = count(ctx);
      textEntered();
      // Held until the duplicate has found the push being handled: the race is staged, not timed.
      if (holdText) await holdText;
      ctx.reply(`You said "${ctx.message.Content}" (handled ${n} time(s))`);
    });
    return composer;
  }

  before(async function () {
    db = await e2eDatabase('postgres', this);
    sim = await startSimulator();
    account = sim.createAccount({ mode: 'safe' });
    push = {
      appid: account.appid,
      token: account.token,
      encodingAesKey: account.encodingAesKey,
      ghId: account.ghId,
    };
    a = await startE2eServer({ sim, account, databaseUrl: db.url, handlers: handlers() });
    storeB = await openStore(db.url);
    const claim = storeB.replies.claim.bind(storeB.replies);
    storeB.replies.claim = async (key, leaseMs) => {
      const record = await claim(key, leaseMs);
      if (record.state === 'pending') onPendingAtB(key);
      return record;
    };
    b = await startE2eServer({
      sim,
      account,
      databaseUrl: db.url,
      handlers: handlers(),
      keepWebhookUrls: true,
      store: storeB,
    });
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await storeB?.close();
    await sim?.close();
    await db?.dispose();
  });

  /** The decrypted passive reply of an answer. */
  function replyOf(answer: { status: number; body: string }): string {
    expect(answer.status).to.equal(200);
    return openReply(push, answer.body).xml;
  }

  it('answers a follow retried to the other instance with the same reply, storing and handling it once', async () => {
    const openid = 'oRetriedFollow000000000001';
    const signed = signPush(
      push,
      eventXml({
        from: openid,
        event: 'subscribe',
        eventKey: 'qrscene_spring',
        ticket: 'T1',
        to: account.ghId,
      }),
      {
        mode: 'safe',
      },
    );

    const first = replyOf(await postPush(`${a.url}/wechat`, signed));
    const retry = replyOf(await postPush(`${b.url}/wechat`, signed));

    expect(first).to.contain('handled 1 time(s)');
    expect(retry).to.equal(first);
    expect(runs.get(openid)).to.equal(1);
    for (const server of [a, b]) {
      const { body } = await server.api(`/api/followers/${openid}/events`);
      expect(body.events).to.have.length(1);
      expect(body.events[0]).to.include({ type: 'subscribe', scene: 'spring' });
    }
    const { body: scenes } = await b.api('/api/scenes');
    expect(scenes.scenes).to.deep.equal([{ scene: 'spring', scans: 0, subscribes: 1, unsubscribes: 0 }]);
  });

  it('answers a message delivered to both instances at once with one reply, handled and recorded once', async () => {
    const openid = 'oTwiceAtOnce00000000000001';
    const signed = signPush(push, textXml({ from: openid, content: 'hello', to: account.ghId }), {
      mode: 'safe',
    });

    // A takes the push and is held inside its handler; B gets the same push, finds it claimed, and waits;
    // only then may A answer. B must answer with A's reply without running the handlers.
    const held = gate();
    holdText = held.wait;
    const entered = new Promise<void>((resolve) => (textEntered = resolve));
    const pendingAtB = new Promise<void>((resolve) => (onPendingAtB = () => resolve()));
    const toA = postPush(`${a.url}/wechat`, signed);
    await entered;
    const toB = postPush(`${b.url}/wechat`, signed);
    await pendingAtB;
    held.open();
    const [fromA, fromB] = await Promise.all([toA, toB]);
    holdText = null;

    const replyA = replyOf(fromA);
    expect(replyA).to.contain('You said "hello" (handled 1 time(s))');
    expect(replyOf(fromB)).to.equal(replyA);
    expect(runs.get(openid)).to.equal(1);

    await a.wxoa.webhook.webhook.drain();
    await b.wxoa.webhook.webhook.drain();
    const { body } = await a.api(`/api/conversations/${openid}/messages`);
    expect(
      body.messages.map((m: { direction: string; content: string }) => [m.direction, m.content]),
    ).to.deep.equal([
      ['in', 'hello'],
      ['out', 'You said "hello" (handled 1 time(s))'],
    ]);
  });

  it('stores a follower pushed by the simulator to one instance, visible and enriched through the other', async () => {
    const follower = account.follower();
    const result = await follower.follow();
    expect(result.status).to.equal(200);
    // Each instance works through the shared queue now (one may be in a pass already: drain waits for it).
    await a.wxoa.enrichment.drain();
    await b.wxoa.enrichment.drain();
    const { body } = await b.api(`/api/followers/${follower.openid}`);
    expect(body.enrichedAt).to.be.a('string');
    expect(body).to.deep.include({ subscribed: true, unionid: follower.unionid });
    // Successful calls only: a call WeChat refused (an access token renewed meanwhile: 40001) is retried by
    // the same instance, which is not a second enrichment.
    const asked = callsTo(sim, '/cgi-bin/user/info/batchget').filter(
      (c) => c.errcode === 0 && JSON.stringify(c.body).includes(follower.openid),
    );
    expect(asked, 'enriched by one instance only').to.have.length(1);
  });

  it('fetches one access token for both instances, and refreshes it once when WeChat revokes it', async () => {
    const tokenCalls = () =>
      sim.calls.filter((c) => c.path === '/cgi-bin/stable_token' || c.path === '/cgi-bin/token');
    const before = tokenCalls().length;
    for (const server of [a, b]) {
      const { status } = await server.api('/api/qrcodes', {
        method: 'POST',
        body: JSON.stringify({ scene: 'warm-up' }),
      });
      expect(status).to.equal(201);
    }
    expect(tokenCalls().length - before, 'the second instance uses the stored token').to.be.at.most(1);

    sim.invalidateTokens(account.appid);
    sim.clearCalls();
    const created = await Promise.all(
      [a, b].map((server) =>
        server.api('/api/qrcodes', { method: 'POST', body: JSON.stringify({ scene: 'shared' }) }),
      ),
    );
    for (const { status } of created) expect(status).to.equal(201);
    expect(tokenCalls()).to.have.length(1);
  });
});
