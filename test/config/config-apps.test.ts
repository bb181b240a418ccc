/** The config file's `apps` (INTERFACE.md §8): checked at start, every problem listed with its JSON path. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';

const ENV = {
  WECHAT_APPID: 'wx0123456789abcdef',
  WECHAT_APPSECRET: 'secret',
  WECHAT_TOKEN: 'token123',
  ADMIN_TOKEN: 'a-long-admin-token-0123456789',
};

describe('loadConfig: apps of the Open Platform', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wxoa-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = (apps: unknown) => {
    writeFileSync(join(dir, 'wxoa.config.json'), JSON.stringify({ apps }));
    return loadConfig(ENV, dir);
  };
  const problemsOf = (apps: unknown): string[] => {
    try {
      load(apps);
    } catch (err) {
      if (err instanceof ConfigError)
        return err.problems.map((p) => p.replace(/^.*wxoa\.config\.json: /, ''));
      throw err;
    }
    return [];
  };

  it('reads Mini Programs, website apps and mobile apps', () => {
    const config = load([
      { type: 'miniprogram', appid: 'wxaaaaaaaaaaaaaaa1', appsecret: 's1', name: 'Shop' },
      { type: 'website', appid: 'wxaaaaaaaaaaaaaaa2', appsecret: 's2' },
      { type: 'mobile', appid: 'wxaaaaaaaaaaaaaaa3', appsecret: 's3' },
    ]);
    expect(config.apps).to.deep.equal([
      { type: 'miniprogram', appid: 'wxaaaaaaaaaaaaaaa1', appsecret: 's1', name: 'Shop' },
      { type: 'website', appid: 'wxaaaaaaaaaaaaaaa2', appsecret: 's2', name: null },
      { type: 'mobile', appid: 'wxaaaaaaaaaaaaaaa3', appsecret: 's3', name: null },
    ]);
    expect(loadConfig(ENV, dir).apps).to.have.length(3);
  });

  it('lists every problem at once, by JSON path', () => {
    expect(
      problemsOf([
        { type: 'minprogram', appid: 'wx0123', appsecret: '', nmae: 'x' },
        { type: 'website', appid: 'wx0123456789abcdef', appsecret: 's' },
        { type: 'mobile', appid: 'wxaaaaaaaaaaaaaaa3', appsecret: 's' },
        { type: 'mobile', appid: 'wxaaaaaaaaaaaaaaa3', appsecret: 's' },
        'nope',
      ]),
    ).to.deep.equal([
      'apps[0].nmae: unknown key (did you mean "name"?)',
      'apps[0].type: must be one of miniprogram, website, mobile (got "minprogram")',
      'apps[0].appid: must look like wx followed by 16 letters or digits (got "wx0123")',
      'apps[0].appsecret: is required (the AppSecret of the app, from the Open Platform or Mini Program console)',
      'apps[1].appid: wx0123456789abcdef is configured twice',
      'apps[3].appid: wxaaaaaaaaaaaaaaa3 is configured twice',
      'apps[4]: must be an object {"type", "appid", "appsecret", "name"?}',
    ]);
    expect(problemsOf({})).to.deep.equal([
      'apps: must be an array of {"type", "appid", "appsecret", "name"?}',
    ]);
  });
});
