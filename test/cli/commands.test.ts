/**
 * `wxoa …` commands (INTERFACE.md §1) run as child processes through bin/wxoa.js, configured through the
 * environment alone, against a simulator running in the test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { openStore } from '../../src/store/index.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { callsTo, e2eEnv, startE2eServer } from '../support/server.js';
import { runCli, type CliResult } from './run-cli.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/menus/${name}`, import.meta.url));
const PUBLIC_URL = 'https://wx.example.com';

/** Every problem fixtures/menus/invalid.json has, by JSON path. */
const INVALID_MENU_PATHS = [
  'button',
  'button[0].name',
  'button[0].key',
  'button[1].type',
  'button[1].sub_button',
  'button[1].sub_button[0].url',
  'button[1].sub_button[1].oauth.scope',
  'button[1].sub_button[1].oauth.target',
  'button[1].sub_button[2]',
  'button[1].sub_button[3].pagepath',
  'button[1].sub_button[3].url',
  'button[1].sub_button[4].type',
  'button[2].type',
];

interface MenuButton {
  name: string;
  type?: string;
  url?: string;
  key?: string;
  sub_button?: MenuButton[];
}

describe('wxoa commands', function () {
  let sim: Simulator;
  let account: SimAccount;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    sim = await startSimulator();
    account = sim.createAccount({ mode: 'safe' });
    dir = mkdtempSync(join(tmpdir(), 'wxoa-cli-'));
    env = e2eEnv(sim, account, `sqlite:${join(dir, 'wxoa.db')}`, { PUBLIC_URL });
  });

  after(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const wxoa = (args: string[], extraEnv: Record<string, string> = {}) =>
    runCli(args, { env: { ...env, ...extraEnv }, cwd: dir });

  describe('--help', () => {
    const commands = [
      [],
      ['serve'],
      ['simulator'],
      ['sync'],
      ['menu'],
      ['menu', 'validate'],
      ['menu', 'push'],
      ['menu', 'show'],
      ['qrcode'],
      ['qrcode', 'create'],
      ['qrcode', 'list'],
      ['followers'],
      ['followers', 'export'],
      ['doctor'],
      ['sandbox', 'env'],
    ];
    it('prints the usage of every command and exits 0', async function () {
      this.timeout(60_000); // fourteen processes: seconds each on a busy machine
      const results: CliResult[] = [];
      for (let i = 0; i < commands.length; i += 4) {
        const batch = commands
          .slice(i, i + 4)
          .map((command) => runCli([...command, '--help'], { cwd: dir, timeoutMs: 30_000 }));
        results.push(...(await Promise.all(batch)));
      }
      results.forEach((result, i) => {
        const command = commands[i]!;
        expect(result.code, `wxoa ${command.join(' ')} --help: ${result.stderr}`).to.equal(0);
        expect(result.stdout).to.contain(`Usage: wxoa${command.length ? ` ${command.join(' ')}` : ''}`);
      });
      const help = (command: string) => results[commands.findIndex((c) => c.join(' ') === command)]!.stdout;
      expect(help('')).to.contain('WECHAT_APPID');
      expect(help('followers export')).to.match(/--format <format>.*"csv", "jsonl"/s);
      expect(help('qrcode create'))
        .to.contain('--scene <scene>')
        .and.contain('--permanent')
        .and.contain('--expire <seconds>');
      expect(help('simulator')).to.contain('--followers <n>');
    });
  });

  describe('menu', () => {
    it('validates a correct menu file: exit 0, the menu shown as a tree', async () => {
      const result = await wxoa(['menu', 'validate', fixture('valid.json')]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.contain('valid');
      expect(result.stdout).to.contain('今日歌曲  click  key=V1001_TODAY_MUSIC');
    });

    it('lists every problem of an invalid menu file with its JSON path and exits 1, calling nothing', async () => {
      sim.clearCalls();
      const result = await wxoa(['menu', 'validate', fixture('invalid.json')]);
      expect(result.code).to.equal(1);
      const lines = result.stderr.split('\n').filter((l) => l.startsWith('  '));
      expect(lines.map((l) => l.trim().slice(0, l.trim().indexOf(':')))).to.deep.equal(INVALID_MENU_PATHS);
      expect(result.stderr).to.contain(`${INVALID_MENU_PATHS.length} problem(s)`);
      expect(sim.calls).to.deep.equal([]);
    });

    it('pushes nothing to WeChat for an invalid menu', async () => {
      sim.clearCalls();
      const result = await wxoa(['menu', 'push', fixture('invalid.json')]);
      expect(result.code).to.equal(1);
      expect(result.stderr).to.contain('nothing was sent to WeChat');
      expect(sim.calls).to.deep.equal([]);
      expect(account.menu).to.equal(null);
    });

    it('pushes a valid menu with OAuth buttons expanded to this server’s authorize links', async () => {
      const result = await wxoa(['menu', 'push', fixture('valid.json')]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.contain('menu pushed');
      expect(callsTo(sim, '/cgi-bin/menu/create')).to.have.length(1);

      const menu = account.menu as { button: MenuButton[] };
      const sub = menu.button[1]!.sub_button!;
      expect(sub[1]).to.deep.equal({
        type: 'view',
        name: '我的账户',
        url: `${PUBLIC_URL}/oauth/authorize?target=%2Faccount&scope=snsapi_base`,
      });
      const profile = new URL(sub[2]!.url!);
      expect(`${profile.origin}${profile.pathname}`).to.equal(`${PUBLIC_URL}/oauth/authorize`);
      expect(Object.fromEntries(profile.searchParams)).to.deep.equal({
        target: '/members/profile?tab=info#top',
        scope: 'snsapi_userinfo',
      });
      expect(JSON.stringify(menu)).to.not.contain('"oauth"');
      expect(sub[0]).to.deep.equal({ type: 'view', name: '搜索', url: 'https://www.soso.com/' });
    });

    it('says there is no menu when WeChat has none (46003), exit 0', async () => {
      const bare = sim.createAccount();
      const result = await wxoa(['menu', 'show'], {
        WECHAT_APPID: bare.appid,
        WECHAT_APPSECRET: bare.appsecret,
      });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.equal('no menu is set\n');
      expect(result.stderr).to.equal('');
    });

    it('shows the live menu, OAuth links as written in the file', async () => {
      const result = await wxoa(['menu', 'show']);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.contain('今日歌曲  click  key=V1001_TODAY_MUSIC');
      expect(result.stdout).to.contain('我的账户  view  oauth snsapi_base → /account');
      expect(callsTo(sim, '/cgi-bin/menu/get').length).to.be.at.least(1);

      const json = await wxoa(['menu', 'show', '--json']);
      expect(json.code, json.stderr).to.equal(0);
      expect(JSON.stringify(JSON.parse(json.stdout))).to.contain('V1001_TODAY_MUSIC');
    });
  });

  describe('qrcode create', () => {
    it('creates a temporary code for a string scene and prints ticket, URL and image URL', async () => {
      const result = await wxoa(['qrcode', 'create', '--scene', 'spring']);
      expect(result.code, result.stderr).to.equal(0);
      const call = callsTo(sim, '/cgi-bin/qrcode/create').at(-1)!;
      expect(call.body).to.deep.equal({
        expire_seconds: 2592000,
        action_name: 'QR_STR_SCENE',
        action_info: { scene: { scene_str: 'spring' } },
      });
      const ticket = /ticket:\s+(\S+)/.exec(result.stdout)?.[1];
      expect(ticket).to.be.a('string');
      expect(result.stdout).to.match(/url:\s+https?:\/\/\S+/);
      expect(result.stdout).to.contain(encodeURIComponent(ticket!));
      expect(result.stdout).to.contain('in 2592000 s');
    });

    it('creates a permanent code for a numeric scene', async () => {
      const result = await wxoa(['qrcode', 'create', '--scene', '7', '--permanent', '--json']);
      expect(result.code, result.stderr).to.equal(0);
      expect(JSON.parse(result.stdout)).to.include({ expireSeconds: null });
      expect(callsTo(sim, '/cgi-bin/qrcode/create').at(-1)!.body).to.deep.equal({
        action_name: 'QR_LIMIT_SCENE',
        action_info: { scene: { scene_id: 7 } },
      });
    });

    it('keeps every created code: `qrcode list` shows them newest first, with labels', async () => {
      const labelled = await wxoa([
        'qrcode',
        'create',
        '--scene',
        'door',
        '--label',
        'Poster at the door',
        '--json',
      ]);
      expect(labelled.code, labelled.stderr).to.equal(0);
      const list = await wxoa(['qrcode', 'list', '--json']);
      expect(list.code, list.stderr).to.equal(0);
      const codes = list.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(codes.map((q) => q['scene'])).to.deep.equal(['door', '7', 'spring']);
      expect(codes[0]).to.include({
        ticket: JSON.parse(labelled.stdout).ticket,
        label: 'Poster at the door',
      });
      expect(codes[1]).to.include({ permanent: true, expiresAt: null });
      const table = await wxoa(['qrcode', 'list', '--limit', '1']);
      expect(table.code, table.stderr).to.equal(0);
      expect(table.stdout).to.contain('Poster at the door');
      expect(table.stdout).not.to.contain('spring');
    });

    it('refuses a scene or lifetime WeChat would refuse with a non-zero exit, calling nothing', async () => {
      sim.clearCalls();
      const refused = {
        'a scene string over 64 characters': ['--scene', 'x'.repeat(65)],
        'an empty scene': ['--scene', ''],
        'a lifetime over 30 days': ['--scene', 'spring', '--expire', '2592001'],
        'a lifetime that is not a number': ['--scene', 'spring', '--expire', 'soon'],
      };
      const results = await Promise.all(
        Object.values(refused).map((args) => wxoa(['qrcode', 'create', ...args])),
      );
      Object.keys(refused).forEach((what, i) => {
        const result = results[i]!;
        expect(result.code, what).to.not.equal(0);
        expect(result.stderr, what).to.match(/scene|expire/i);
      });
      expect(callsTo(sim, '/cgi-bin/qrcode/create')).to.deep.equal([]);
    });

    it('says what is missing when no account is configured', async () => {
      const result = await runCli(['qrcode', 'create', '--scene', 'spring'], {
        cwd: dir,
        env: { DATABASE_URL: env['DATABASE_URL']!, WECHAT_API_BASE: sim.url },
      });
      expect(result.code).to.not.equal(0);
      expect(result.stderr).to.contain('WECHAT_APPID');
    });
  });

  describe('sync and followers export', () => {
    let captured: string[];
    let seeded: string[];

    before(async function () {
      // Two followers arrive through the webhook of a running server on the same database.
      const server = await startE2eServer({
        sim,
        account,
        databaseUrl: env['DATABASE_URL']!,
      });
      try {
        const followers = [account.follower(), account.follower()];
        for (const f of followers) await f.follow({ scene: 'spring' });
        await server.wxoa.enrichment.drain();
        expect(await server.wxoa.store.followers.pendingEnrichment()).to.equal(0);
        captured = followers.map((f) => f.openid);
      } finally {
        await server.close();
      }
      // And 150 followed before the webhook existed: only a sync finds them.
      seeded = account.seedFollowers(150).map((f) => f.openid);
    });

    it('exports the captured followers as JSON Lines', async () => {
      const result = await wxoa(['followers', 'export', '--format', 'jsonl']);
      expect(result.code, result.stderr).to.equal(0);
      const rows = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(rows.map((r) => r['openid'])).to.have.members(captured);
      expect(rows[0]).to.include({
        appid: account.appid,
        subscribed: true,
        scene: 'spring',
        qrSceneStr: 'spring',
      });
      expect(rows[0]!['unionid']).to.be.a('string');
    });

    it('syncs the whole follower list from WeChat, enriching everyone', async () => {
      sim.clearCalls();
      const result = await wxoa(['sync']);
      expect(result.code, result.stderr).to.equal(0);
      const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
      expect(summary).to.include({
        appid: account.appid,
        total: 152,
        listed: 152,
        enriched: 152,
        unsubscribed: 0,
      });
      expect(callsTo(sim, '/cgi-bin/user/get').length).to.be.at.least(1);
      // 152 followers: two batchget calls of at most 100.
      expect(callsTo(sim, '/cgi-bin/user/info/batchget')).to.have.length(2);
      expect(result.stderr, 'progress goes to stderr').to.not.equal('');
      // The run is recorded, as the periodic sync's are (the console shows the last one).
      const store = await openStore(env['DATABASE_URL']!);
      try {
        const [run] = await store.syncRuns.recent(account.appid, 1);
        expect(run).to.include({ trigger: 'cli', outcome: 'done', listed: 152, enriched: 152 });
      } finally {
        await store.close();
      }
    });

    it('refuses to sync while another instance syncs the account, calling nothing', async () => {
      const store = await openStore(env['DATABASE_URL']!);
      try {
        const held = await store.syncRuns.begin({
          appid: account.appid,
          trigger: 'periodic',
          holder: 'server-1',
          resumed: false,
          leaseMs: 60 * 60_000,
        });
        if (!('run' in held)) throw new Error('expected to hold the lease');
        sim.clearCalls();
        const result = await wxoa(['sync']);
        expect(result.code).to.equal(1);
        expect(result.stderr).to.match(/a sync of wx\w+ is already running \(periodic, on server-1, since /);
        expect(callsTo(sim, '/cgi-bin/user/get')).to.have.length(0);
        await store.syncRuns.finish(held.run.id, 'interrupted', {
          listed: 0,
          newlyFound: 0,
          unsubscribed: 0,
          enriched: 0,
          enrichFailed: 0,
        });
      } finally {
        await store.close();
      }
    });

    it('exports every follower as CSV with a header row', async () => {
      const result = await wxoa(['followers', 'export', '--format', 'csv']);
      expect(result.code, result.stderr).to.equal(0);
      const lines = result.stdout.split('\r\n').filter((l) => l !== '');
      expect(lines[0]).to.equal(
        'appid,openid,unionid,subscribed,subscribeTime,unsubscribeTime,scene,subscribeScene,qrScene,qrSceneStr,tags,remark,language,enrichedAt,blacklisted,tagNames',
      );
      const openids = lines.slice(1).map((l) => l.split(',')[1]);
      expect(openids).to.have.members([...captured, ...seeded]);
      const row = lines.find((l) => l.includes(seeded[0]!))!.split(',');
      expect(row[2], 'unionid from the sync').to.match(/^o/);
      expect(row[7]).to.equal('ADD_SCENE_SEARCH');
    });

    it('marks followers who left since the last sync as unsubscribed', async () => {
      const leaver = account.follower(seeded[0]!);
      // Leaves without the webhook hearing of it (the account points nowhere now).
      account.webhookUrl = undefined;
      await leaver.unfollow().catch(() => undefined);
      const result = await wxoa(['sync']);
      expect(result.code, result.stderr).to.equal(0);
      expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).to.include({
        listed: 151,
        unsubscribed: 1,
      });
      const exported = await wxoa(['followers', 'export', '--format', 'jsonl']);
      const row = exported.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { openid: string; subscribed: boolean })
        .find((r) => r.openid === leaver.openid);
      expect(row).to.include({ subscribed: false });
    });

    it('exports only the followers --subscribed, --scene and --since take', async () => {
      const ids = async (...flags: string[]) => {
        const result = await wxoa(['followers', 'export', '--format', 'jsonl', ...flags]);
        expect(result.code, result.stderr).to.equal(0);
        return result.stdout
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => (JSON.parse(l) as { openid: string }).openid);
      };
      expect(await ids('--scene', 'spring')).to.have.members(captured);
      expect(await ids('--subscribed')).to.have.length(151); // one left in the test before
      expect(await ids('--subscribed')).not.to.include(seeded[0]);
      expect(await ids('--since', '2000-01-01')).to.have.length(152);
      expect(await ids('--since', '2999-01-01T00:00:00+08:00', '--subscribed')).to.deep.equal([]);
    });

    it('refuses a --since that is not an ISO date, and a bad --scene, naming both at once', async () => {
      for (const since of ['yesterday', '2026-02-30', '01/03/2026', '2026-03-01T08:00']) {
        const result = await wxoa(['followers', 'export', '--since', since, '--scene', '']);
        expect(result.code, since).to.equal(1);
        expect(result.stdout, since).to.equal('');
        expect(result.stderr, since).to.contain('--since');
        expect(result.stderr, since).to.contain(since);
        expect(result.stderr, since).to.contain('--scene must be 1 to 64 characters');
      }
    });
  });
});
