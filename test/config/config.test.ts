/**
 * loadConfig (INTERFACE.md §2): unknown config-file keys at every level, LOG_LEVEL, PUBLIC_URL, and each
 * command asking only for the settings it uses.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig, type ConfigUse } from '../../src/config.js';

const ACCOUNT = {
  WECHAT_APPID: 'wx0123456789abcdef',
  WECHAT_APPSECRET: 'secret',
  WECHAT_TOKEN: 'token123',
};

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wxoa-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const withFile = (content: unknown) =>
    writeFileSync(join(dir, 'wxoa.config.json'), JSON.stringify(content));
  const problemsOf = (env: Record<string, string>, uses?: ConfigUse): string[] => {
    try {
      loadConfig(env, dir, uses ? { uses } : {});
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it('names an unknown top-level key with the nearest known key', () => {
    withFile({ reples: { subscribe: { type: 'text', content: 'Hi' } } });
    const problems = problemsOf({});
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/: reples: unknown key \(did you mean "replies"\?\)$/);
  });

  it('names unknown keys at every nesting level, all at once', () => {
    withFile({
      replies: {
        subscibe: { type: 'text', content: 'Hi' },
        keywords: [{ match: 'exact', pattern: 'a', reply: { type: 'text', content: 'b' }, ignorecase: true }],
        clicks: { K: { type: 'text', contnet: 'x' } },
      },
      menu: { button: [{ type: 'click', name: 'Help', key: 'K', sub_buton: [] }] },
      accounts: [{ appid: 'wx0123456789abcdee', appsecret: 's', token: 'token123', encodingAESKey: 'x' }],
      menus: {},
    });
    const problems = problemsOf(ACCOUNT).join('\n');
    for (const [path, hint] of [
      ['replies.subscibe', 'subscribe'],
      ['replies.keywords[0].ignorecase', 'ignoreCase'],
      ['replies.clicks.K.contnet', 'content'],
      ['menu.button[0].sub_buton', 'sub_button'],
      ['accounts[0].encodingAESKey', 'encodingAesKey'],
      ['menus', 'menu'],
    ]) {
      expect(problems).to.include(`${path}: unknown`).and.to.include(`did you mean "${hint}"?`);
    }
  });

  it('lists the known keys when nothing is near', () => {
    withFile({ zzzzzz: 1 });
    expect(problemsOf({})[0]).to.match(/zzzzzz: unknown key \(known keys: replies, menu, accounts, apps\)/);
  });

  it('refuses a LOG_LEVEL pino does not know, naming the levels', () => {
    expect(problemsOf({ LOG_LEVEL: 'verbose' })).to.deep.equal([
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")',
    ]);
  });

  it('says whether PUBLIC_URL was set', () => {
    expect(loadConfig({ PORT: '3000' }, dir).publicUrlSet).to.equal(false);
    expect(loadConfig({ PUBLIC_URL: 'https://wx.example.com' }, dir).publicUrlSet).to.equal(true);
  });

  it('syncs followers daily with a real account, never in sandbox mode, unless WXOA_SYNC_INTERVAL says', () => {
    const ADMIN_TOKEN = 'a-long-and-varied-admin-token-42';
    expect(loadConfig({ ...ACCOUNT, ADMIN_TOKEN }, dir).syncIntervalSeconds).to.equal(86_400);
    expect(loadConfig({ ADMIN_TOKEN }, dir).syncIntervalSeconds).to.equal(0);
    expect(
      loadConfig({ ...ACCOUNT, ADMIN_TOKEN, WXOA_SYNC_INTERVAL: '0' }, dir).syncIntervalSeconds,
    ).to.equal(0);
    expect(loadConfig({ ADMIN_TOKEN, WXOA_SYNC_INTERVAL: '3600' }, dir).syncIntervalSeconds).to.equal(3600);
    expect(problemsOf({ ...ACCOUNT, WXOA_SYNC_INTERVAL: 'daily' })).to.deep.include(
      'WXOA_SYNC_INTERVAL must be an integer between 0 and 31536000 (got "daily")',
    );
    // Milliseconds by mistake: a day would be 2.7 years.
    expect(problemsOf({ ...ACCOUNT, WXOA_SYNC_INTERVAL: '86400000' })).to.deep.include(
      'WXOA_SYNC_INTERVAL must be an integer between 0 and 31536000 (got "86400000")',
    );
  });

  it('asks an API command for the AppID and AppSecret only, not the Token', () => {
    const env = { WECHAT_APPID: ACCOUNT.WECHAT_APPID, WECHAT_APPSECRET: 'secret' };
    expect(problemsOf(env))
      .to.have.length(1)
      .and.to.match(/WECHAT_TOKEN/);
    expect(problemsOf(env, 'api')).to.deep.equal([]);
    expect(problemsOf({ WECHAT_APPID: ACCOUNT.WECHAT_APPID }, 'api')).to.deep.equal([
      'WECHAT_APPSECRET is required with WECHAT_APPID',
    ]);
  });

  it('says a missing WECHAT_TOKEN is required rather than counting its 0 characters', () => {
    const env = { WECHAT_APPID: ACCOUNT.WECHAT_APPID, WECHAT_APPSECRET: 'secret' };
    expect(problemsOf(env)).to.deep.equal([
      'WECHAT_TOKEN is required with WECHAT_APPID (the 3–32 letters or digits set in the WeChat console)',
    ]);
    expect(problemsOf({ ...env, WECHAT_TOKEN: 'ab' })).to.deep.equal([
      'WECHAT_TOKEN must be the 3–32 letters or digits set in the WeChat console (got 2 characters)',
    ]);
  });

  it('asks a database command for no account at all', () => {
    expect(problemsOf({ WECHAT_APPID: 'nonsense' }, 'database')).to.deep.equal([]);
  });
});
