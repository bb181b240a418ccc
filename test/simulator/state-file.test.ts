/**
 * The simulator's state file (INTERFACE.md §7): a simulator started again on the same file is the same
 * WeChat — same people and UnionIDs, who follows, menu, QR tickets, tokens, service windows.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { getJson, postJson, startReceiver, tokenFor } from './support.js';

describe('simulator: state file', () => {
  let dir: string;
  let file: string;
  const running: Simulator[] = [];
  const start = async (extra: { seed?: string } = {}) => {
    const sim = await startSimulator({ stateFile: file, ...extra });
    running.push(sim);
    return sim;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wxoa-sim-state-'));
    file = join(dir, 'data', 'simulator.json');
  });
  afterEach(async () => {
    for (const sim of running.splice(0)) await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps people, following, scenes, the menu, QR tickets, tokens and windows across a restart', async () => {
    const first = await start();
    const account = first.createAccount({ mode: 'safe' });
    const receiver = await startReceiver(account);
    account.webhookUrl = receiver.url;
    try {
      const token = await tokenFor(first, account);
      const qr = await postJson(`${first.url}/cgi-bin/qrcode/create?access_token=${token}`, {
        action_name: 'QR_LIMIT_STR_SCENE',
        action_info: { scene: { scene_str: 'spring' } },
      });
      const menu = { button: [{ type: 'click', name: 'Help', key: 'MENU_HELP' }] };
      expect(await postJson(`${first.url}/cgi-bin/menu/create?access_token=${token}`, menu)).to.include({
        errcode: 0,
      });
      const alice = account.follower();
      await alice.follow({ scene: qr.ticket });
      await alice.sendText('help me');
      const bob = account.follower();
      await bob.follow();
      await bob.unfollow();
      await first.close();
      running.length = 0;

      const second = await start();
      const again = second.account(account.appid);
      expect(again.appsecret).to.equal(account.appsecret);
      expect(again.ghId).to.equal(account.ghId);
      expect(again.followers()).to.deep.equal([alice.openid]);
      const a = again.follower(alice.openid);
      expect(a.unionid).to.equal(alice.unionid);
      expect(a.subscribed).to.equal(true);
      expect(again.follower(bob.openid).subscribed).to.equal(false);
      expect(again.follower(bob.openid).unionid).to.equal(bob.unionid);
      // The token the server cached before the restart still works, and so does the user's window.
      const info = await getJson(
        `${second.url}/cgi-bin/user/info?access_token=${token}&openid=${alice.openid}`,
      );
      expect(info).to.include({ subscribe: 1, unionid: alice.unionid, qr_scene_str: 'spring' });
      expect(await getJson(`${second.url}/cgi-bin/menu/get?access_token=${token}`)).to.have.nested.property(
        'menu.button[0].key',
        'MENU_HELP',
      );
      const sent = await postJson(`${second.url}/cgi-bin/message/custom/send?access_token=${token}`, {
        touser: alice.openid,
        msgtype: 'text',
        text: { content: 'We are on it' },
      });
      expect(sent).to.include({ errcode: 0 });
      // The permanent code keeps its ticket: a follow through the scene names it.
      const carol = again.follower();
      await carol.follow({ scene: 'spring' });
      expect(receiver.pushes.at(-1)?.xml).to.contain(qr.ticket);
    } finally {
      await receiver.close();
    }
  });

  it('writes the file atomically with mode 0600, and derives ids from its seed', async () => {
    const first = await start({ seed: 'fixed-seed' });
    const account = first.createAccount({ appid: 'wx0123456789abcdef' });
    const person = account.follower();
    await first.saveState();
    const mode = statSync(file).mode & 0o777;
    expect(mode.toString(8)).to.equal('600');
    expect(readdirSync(join(dir, 'data'))).to.deep.equal(['simulator.json']);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { seed: string; persons: unknown[] };
    expect(saved.seed).to.equal('fixed-seed');
    expect(saved.persons).to.have.length(1);

    // The same seed and the same history give the same ids, even without the file.
    await first.close();
    running.length = 0;
    rmSync(file);
    const other = await start({ seed: 'fixed-seed' });
    const twin = other.createAccount({ appid: 'wx0123456789abcdef' }).follower();
    expect(twin.openid).to.equal(person.openid);
    expect(twin.unionid).to.equal(person.unionid);
  });

  it('keeps the Open Platform’s apps, the OpenIDs they issued and who they block', async () => {
    const first = await start();
    const mini = first.createApp({ type: 'miniprogram', name: 'Shop', bound: false });
    const person = first.createPerson();
    const openid = mini.openidOf(person);
    mini.block(person);
    await first.close();
    running.length = 0;
    const again = await start();
    const kept = again.app(mini.appid);
    expect(kept).to.include({ appsecret: mini.appsecret, type: 'miniprogram', name: 'Shop', bound: false });
    expect(kept.openidOf(person)).to.equal(openid);
    const session = await fetch(
      `${again.url}/sns/jscode2session?appid=${kept.appid}&secret=${kept.appsecret}&js_code=${kept.login(person)}&grant_type=authorization_code`,
    );
    expect(((await session.json()) as { errcode?: number }).errcode).to.equal(40226);
  });

  it('refuses a damaged state file instead of starting an empty world', async () => {
    const first = await start();
    first.createAccount();
    await first.close();
    running.length = 0;
    writeFileSync(file, '{"format": "wxoa-simulator-state", "ver');
    let error: Error | undefined;
    await startSimulator({ stateFile: file }).catch((e: Error) => (error = e));
    expect(error?.message).to.contain(file).and.to.contain('not valid JSON').and.to.contain('move it away');
  });
});
