/**
 * The third-party platform settings (issue 13, INTERFACE.md §9): all four WECHAT_COMPONENT_* or none, each
 * problem listed with the rest of the configuration's at start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';

const COMPONENT = {
  WECHAT_COMPONENT_APPID: 'wxc0mp0nent0000001',
  WECHAT_COMPONENT_APPSECRET: 'component-secret',
  WECHAT_COMPONENT_TOKEN: 'componenttoken',
  WECHAT_COMPONENT_ENCODING_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};
const ACCOUNT = { WECHAT_APPID: 'wx0123456789abcdef', WECHAT_APPSECRET: 'secret', WECHAT_TOKEN: 'token123' };

describe('config: third-party platform (WECHAT_COMPONENT_*)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wxoa-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env, dir);
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it('takes all four beside a direct account', () => {
    const config = loadConfig({ ...ACCOUNT, ...COMPONENT, WECHAT_MP_BASE: 'http://127.0.0.1:9' }, dir);
    expect(config.component).to.deep.equal({
      appid: COMPONENT.WECHAT_COMPONENT_APPID,
      appsecret: COMPONENT.WECHAT_COMPONENT_APPSECRET,
      token: COMPONENT.WECHAT_COMPONENT_TOKEN,
      encodingAesKey: COMPONENT.WECHAT_COMPONENT_ENCODING_AES_KEY,
    });
    expect(config.mpBase).to.equal('http://127.0.0.1:9');
    expect(config.sandbox).to.equal(false);
  });

  it('is no sandbox with a component and no WECHAT_APPID', () => {
    const config = loadConfig(COMPONENT, dir);
    expect(config.sandbox).to.equal(false);
    expect(config.account).to.equal(null);
  });

  it('defaults to no component and WeChat’s authorization page host', () => {
    const config = loadConfig(ACCOUNT, dir);
    expect(config.component).to.equal(null);
    expect(config.mpBase).to.equal('https://mp.weixin.qq.com');
  });

  it('names the missing ones of a partial set, with the other problems of the configuration', () => {
    const problems = problemsOf({
      WECHAT_COMPONENT_APPID: COMPONENT.WECHAT_COMPONENT_APPID,
      WECHAT_COMPONENT_TOKEN: COMPONENT.WECHAT_COMPONENT_TOKEN,
      LOG_LEVEL: 'loud',
    });
    expect(problems).to.have.length(2);
    expect(problems.join('\n')).to.contain(
      'WECHAT_COMPONENT_APPSECRET, WECHAT_COMPONENT_ENCODING_AES_KEY are missing',
    );
    expect(problems.join('\n')).to.contain('LOG_LEVEL');
  });

  it('lists every malformed value at once, never showing the secret', () => {
    const problems = problemsOf({
      ...COMPONENT,
      WECHAT_COMPONENT_APPID: 'component',
      WECHAT_COMPONENT_TOKEN: 'x',
      WECHAT_COMPONENT_ENCODING_AES_KEY: `${COMPONENT.WECHAT_COMPONENT_ENCODING_AES_KEY}=`,
    });
    expect(problems).to.have.length(3);
    expect(problems[2]).to.contain("without a trailing '='");
    expect(problems.join('\n')).not.to.contain(COMPONENT.WECHAT_COMPONENT_APPSECRET);
  });

  it('refuses a component AppID that is also a configured account', () => {
    const problems = problemsOf({ ...ACCOUNT, ...COMPONENT, WECHAT_COMPONENT_APPID: ACCOUNT.WECHAT_APPID });
    expect(problems).to.deep.equal([
      `WECHAT_COMPONENT_APPID ${ACCOUNT.WECHAT_APPID} is also configured as an Official Account: a platform's AppID is not an account's`,
    ]);
  });
});
