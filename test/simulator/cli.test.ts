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

  it('refuses an unknown mode before listening', async () => {
    let error: unknown;
    await runSimulatorCommand({ port: 0, mode: 'secret', handleSignals: false, print: () => {} }).catch(
      (e: unknown) => (error = e),
    );
    expect(String(error)).to.match(/--mode must be plain, compat or safe/);
  });
});
