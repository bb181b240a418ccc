/**
 * Issue 14 at the command line: `wxoa tags list|create|delete` and `wxoa tags add TAG --scene S`, a job in
 * batches of 50 that tags exactly the followers of the scene, as child processes through bin/wxoa.js.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Follower as SimFollowerState } from '../../src/simulator/follower.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { callsTo, e2eEnv, startE2eServer } from '../support/server.js';
import { runCli } from './run-cli.js';

describe('wxoa tags', function () {
  this.timeout(90_000);
  let sim: Simulator;
  let account: SimAccount;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    sim = await startSimulator();
    account = sim.createAccount({ mode: 'plain' });
    dir = mkdtempSync(join(tmpdir(), 'wxoa-tags-cli-'));
    env = e2eEnv(sim, account, `sqlite:${join(dir, 'wxoa.db')}`);
  });

  after(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const wxoa = (args: string[]) => runCli(args, { env, cwd: dir });

  it('creates, lists and deletes tags, refusing a name over 30 characters with nothing sent', async () => {
    const created = await wxoa(['tags', 'create', 'VIP']);
    expect(created.code, created.stderr).to.equal(0);
    expect(created.stdout).to.match(/created tag \d+ VIP/);
    const listed = await wxoa(['tags', 'list', '--json']);
    expect(listed.code, listed.stderr).to.equal(0);
    const { tags } = JSON.parse(listed.stdout) as { tags: { id: number; name: string }[] };
    expect(tags.map((t) => t.name)).to.include.members(['星标组', 'VIP']);

    sim.clearCalls();
    const long = await wxoa(['tags', 'create', 'x'.repeat(31)]);
    expect(long.code).to.equal(1);
    expect(long.stderr).to.match(/31 characters long; WeChat allows at most 30/);
    expect(callsTo(sim, '/cgi-bin/tags/create')).to.have.length(0);

    const deleted = await wxoa(['tags', 'delete', 'VIP']);
    expect(deleted.code, deleted.stderr).to.equal(0);
    const reserved = await wxoa(['tags', 'delete', '2']);
    expect(reserved.code).to.equal(1);
    expect(reserved.stderr).to.match(/WeChat.s own/);
  });

  it('tags every follower of a scene as a job in batches of 50', async () => {
    // They follow through the server's webhook, which records their scene; the server is then stopped.
    const server = await startE2eServer({ sim, account, databaseUrl: env['DATABASE_URL']! });
    try {
      for (let i = 0; i < 120; i++) await account.follower().follow({ scene: i < 70 ? 'spring' : 'autumn' });
    } finally {
      await server.close();
    }
    expect((await wxoa(['tags', 'create', 'spring visitors'])).code).to.equal(0);
    sim.clearCalls();

    const result = await wxoa(['tags', 'add', 'spring visitors', '--scene', 'spring']);

    expect(result.code, result.stderr).to.equal(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(summary).to.include({ state: 'done', total: 70, done: 70, failed: 0 });
    expect(result.stderr, 'progress on stderr').to.match(/70\/70/);
    const sizes = callsTo(sim, '/cgi-bin/tags/members/batchtagging').map(
      (c) => (c.body as { openid_list: string[] }).openid_list.length,
    );
    expect(sizes).to.deep.equal([50, 20]);
    const tagged = account
      .followers()
      .filter((o) => (account.follower(o) as unknown as SimFollowerState).tagIds.length > 0);
    expect(tagged).to.have.length(70);

    const unscoped = await wxoa(['tags', 'add', 'spring visitors']);
    expect(unscoped.code).to.equal(1);
    expect(unscoped.stderr).to.match(/--scene/);
  });
});
