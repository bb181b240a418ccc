/**
 * Issue 5, end to end: a QR campaign made through the admin API and followed through, then counted in
 * /api/scenes; customer-service messages sent by an operator inside WeChat's window and refused outside it.
 */
import { expect } from 'chai';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { callsTo, e2eDatabase, startE2eServer, type E2eDatabase, type E2eServer } from '../support/server.js';

const THIRTY_DAYS = 30 * 24 * 3600;

describe('e2e: QR campaigns and customer service', function () {
  let sim: Simulator;
  let account: SimAccount;
  let db: E2eDatabase;
  let server: E2eServer;

  before(async function () {
    db = await e2eDatabase('sqlite', this);
    sim = await startSimulator();
    account = sim.createAccount({ mode: 'compat' });
    server = await startE2eServer({
      sim,
      account,
      databaseUrl: db.url,
      configFile: { replies: { scenes: { autumn: { type: 'text', content: 'Welcome, autumn visitor' } } } },
    });
  });

  after(async () => {
    await server?.close();
    await sim?.close();
    await db?.dispose();
  });

  function postJson(path: string, body: unknown) {
    return server.api(path, { method: 'POST', body: JSON.stringify(body) });
  }

  it('creates a temporary campaign code and counts the follows and scans that come through it', async () => {
    const { status, body: qr } = await postJson('/api/qrcodes', { scene: 'autumn' });
    expect(status).to.equal(201);
    expect(qr).to.have.keys(['ticket', 'url', 'imageUrl', 'expireSeconds']);
    expect(qr.expireSeconds).to.equal(THIRTY_DAYS);
    expect(qr.imageUrl).to.contain(encodeURIComponent(qr.ticket));
    const [created] = callsTo(sim, '/cgi-bin/qrcode/create');
    expect(created!.body).to.deep.equal({
      expire_seconds: THIRTY_DAYS,
      action_name: 'QR_STR_SCENE',
      action_info: { scene: { scene_str: 'autumn' } },
    });

    const newcomer = account.follower();
    const follow = await newcomer.follow({ scene: qr.ticket });
    expect(follow.reply).to.include({ MsgType: 'text', Content: 'Welcome, autumn visitor' });
    const regular = account.follower();
    await regular.follow();
    await regular.scan(qr.ticket);
    await newcomer.unfollow();

    const { body } = await server.api('/api/scenes');
    expect(body.scenes).to.deep.include({ scene: 'autumn', scans: 1, subscribes: 1, unsubscribes: 1 });
  });

  it('creates a permanent code for a numeric scene', async () => {
    const { status, body } = await postJson('/api/qrcodes', { scene: 42, permanent: true });
    expect(status).to.equal(201);
    expect(body.expireSeconds).to.equal(null);
    expect(callsTo(sim, '/cgi-bin/qrcode/create').at(-1)!.body).to.deep.equal({
      action_name: 'QR_LIMIT_SCENE',
      action_info: { scene: { scene_id: 42 } },
    });
  });

  it('refuses a scene WeChat would refuse, without calling WeChat', async () => {
    const before = callsTo(sim, '/cgi-bin/qrcode/create').length;
    const { status, body } = await postJson('/api/qrcodes', { scene: 'x'.repeat(65) });
    expect(status).to.equal(400);
    expect(body.error.message).to.match(/64/);
    expect(callsTo(sim, '/cgi-bin/qrcode/create')).to.have.length(before);
  });

  it('sends an operator’s message inside the 48-hour window and records the conversation', async () => {
    const follower = account.follower();
    await follower.follow();
    await follower.sendText('Is the shop open on Sunday?');

    const { status, body } = await postJson(`/api/conversations/${follower.openid}/messages`, {
      text: 'Yes, 10 to 18.',
    });
    expect(status).to.equal(201);
    expect(account.sentMessages.filter((m) => m.touser === follower.openid).map((m) => m.body)).to.deep.equal(
      [{ touser: follower.openid, msgtype: 'text', text: { content: 'Yes, 10 to 18.' } }],
    );
    expect(body.message).to.include({ direction: 'out', content: 'Yes, 10 to 18.' });

    const { body: conversation } = await server.api(`/api/conversations/${follower.openid}/messages`);
    expect(
      conversation.messages
        .filter((m: { type: string }) => m.type === 'text')
        .map((m: { direction: string; content: string }) => [m.direction, m.content]),
    ).to.deep.equal([
      ['in', 'Is the shop open on Sunday?'],
      ['out', 'Yes, 10 to 18.'],
    ]);
  });

  it('answers 409 to a message outside WeChat’s window, and records nothing as sent', async () => {
    // Followed before the webhook existed and never wrote: no window is open.
    const [quiet] = account.seedFollowers(1);
    const { status, body } = await postJson(`/api/conversations/${quiet!.openid}/messages`, {
      text: 'Hello?',
    });
    expect(status).to.equal(409);
    expect(body.error.code).to.equal('outside_window');
    expect(body.error.message).to.match(/48/);
    expect(account.sentMessages.filter((m) => m.touser === quiet!.openid)).to.have.length(0);
    const { body: conversation } = await server.api(`/api/conversations/${quiet!.openid}/messages`);
    expect(conversation.messages).to.deep.equal([]);
  });
});
