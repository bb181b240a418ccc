/**
 * Issue 9, defect 8: WeChat's "no menu" (46003 on menu/get) is an ordinary state of an account, not a
 * failure: getMenu answers null and the client logs it below warn.
 */
import { expect } from 'chai';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { WechatApi } from '../../src/wechat-api/index.js';
import { captureLogs, LEVEL } from '../support/log-capture.js';

describe('WechatApi: an account without a menu', () => {
  let sim: Simulator;
  let account: SimAccount;

  before(async () => {
    sim = await startSimulator();
    account = sim.createAccount();
  });
  after(() => sim.close());

  it('answers null for 46003 and logs it at debug, not as a warning', async () => {
    const { logger, lines } = captureLogs('trace');
    const api = new WechatApi({
      appid: account.appid,
      appsecret: account.appsecret,
      apiBase: sim.url,
      logger,
    });
    expect(await api.getMenu()).to.equal(null);
    const menuLines = lines.filter((l) => l['endpoint'] === '/cgi-bin/menu/get');
    expect(
      menuLines.some((l) => l['errcode'] === 46003),
      'the answer is still logged',
    ).to.equal(true);
    expect(menuLines.filter((l) => l.level >= LEVEL.warn).map((l) => l.raw)).to.deep.equal([]);
  });

  it('still warns about any other error of menu/get', async () => {
    const { logger, lines } = captureLogs('trace');
    const api = new WechatApi({
      appid: account.appid,
      appsecret: account.appsecret,
      apiBase: sim.url,
      logger,
    });
    sim.misbehave({ path: '/cgi-bin/menu/get', kind: 'invalid_credential', times: 2 });
    await api.getMenu().catch(() => undefined);
    expect(lines.some((l) => l.level === LEVEL.warn && l['errcode'] === 40001)).to.equal(true);
  });
});
