import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runSimulatorCommand } from '../../src/simulator/cli.js';
import { getJson } from './support.js';

describe('simulator: `wxoa simulator` command', () => {
  it('starts from string options, prints the URL, the credentials and how to push, and serves the account', async () => {
    let printed = '';
    const sim = await runSimulatorCommand({
      port: '0',
      host: '127.0.0.1',
      webhook: 'http://127.0.0.1:9/wechat',
      mode: 'compat',
      appid: 'wxcli0000000000001',
      followers: '3',
      handleSignals: false,
      print: (text) => (printed += text),
    });
    try {
      const account = sim.account('wxcli0000000000001');
      expect(printed).to.contain(`listening on ${sim.url}`);
      expect(printed).to.contain(`export WECHAT_API_BASE=${sim.url}\n`);
      expect(printed).to.contain(`export WECHAT_APPSECRET=${account.appsecret}\n`);
      expect(printed).to.contain(`export WECHAT_ENCODING_AES_KEY=${account.encodingAesKey}\n`);
      expect(printed).to.contain('--webhook');
      expect(printed).to.match(
        /curl -X POST http:\/\/127\.0\.0\.1:\d+\/sim\/accounts\/wxcli0000000000001\/followers\/o[\w-]+\/follow/,
      );
      expect(account).to.include({ mode: 'compat', webhookUrl: 'http://127.0.0.1:9/wechat' });
      expect(account.followers()).to.have.length(3);
      const state = await getJson(`${sim.url}/sim/accounts/wxcli0000000000001`);
      expect(state.followerCount).to.equal(3);
    } finally {
      await sim.close();
    }
  });

  it('--state keeps the account and its followers for the next run, and refuses other credentials', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wxoa-sim-cli-'));
    const state = join(dir, 'sim.json');
    const common = { port: 0, handleSignals: false, print: () => {}, state };
    try {
      const first = await runSimulatorCommand({ ...common, followers: '2', webhook: 'http://127.0.0.1:9/a' });
      const account = first.accounts[0];
      const openids = account?.followers();
      await first.close();

      let printed = '';
      const second = await runSimulatorCommand({
        ...common,
        followers: '2',
        webhook: 'http://127.0.0.1:9/b',
        print: (t) => (printed += t),
      });
      try {
        const again = second.account(account?.appid ?? '');
        expect(again.appsecret).to.equal(account?.appsecret);
        expect(again.followers()).to.deep.equal(openids);
        expect(again.webhookUrl).to.equal('http://127.0.0.1:9/b');
        expect(printed).to.contain(`WECHAT_APPSECRET=${again.appsecret}`);
        expect(printed).to.contain(`2 following (kept in ${state})`);
      } finally {
        await second.close();
      }

      let error: Error | undefined;
      await runSimulatorCommand({ ...common, secret: 'another-secret' }).catch((e: Error) => (error = e));
      expect(error?.message).to.contain('--secret differ from account');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown mode before listening', async () => {
    let error: unknown;
    await runSimulatorCommand({ port: 0, mode: 'secret', handleSignals: false, print: () => {} }).catch(
      (e: unknown) => (error = e),
    );
    expect(String(error)).to.match(/--mode must be plain, compat or safe/);
  });
});
