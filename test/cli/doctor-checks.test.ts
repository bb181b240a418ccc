/**
 * `wxoa doctor`'s IP-whitelist check (40164), which the simulator does not model: WeChat is played by a
 * `fetch` that answers the token request the way WeChat answers a server outside the whitelist.
 */
import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { formatDoctor, runDoctor } from '../../src/doctor.js';

describe('wxoa doctor checks', () => {
  const config = loadConfig(
    {
      WECHAT_APPID: 'wx0123456789abcdef',
      WECHAT_APPSECRET: 'the-secret',
      WECHAT_TOKEN: 'token123',
      WECHAT_API_BASE: 'https://api.example.test',
      PUBLIC_URL: 'https://wx.example.test',
    },
    '/nonexistent',
  );

  it('names the IP whitelist and its fix on 40164, leaving the AppSecret unjudged', async () => {
    const fakeFetch = (async (input: string | URL | Request) => {
      const url = String(input);
      if (url.startsWith('https://api.example.test/cgi-bin/stable_token')) {
        return Response.json({
          errcode: 40164,
          errmsg: 'invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 1',
        });
      }
      if (url.startsWith('https://wx.example.test/wechat?')) {
        return new Response(new URL(url).searchParams.get('echostr'), { status: 200 });
      }
      throw new TypeError(`unexpected request ${url}`);
    }) as typeof fetch;
    const checks = await runDoctor(config, { fetch: fakeFetch });
    const { text, code } = formatDoctor(config, checks);
    expect(code).to.equal(1);
    expect(text).to.match(
      /✗ IP whitelist: WeChat refused this server's IP \(40164\): invalid ip 203\.0\.113\.7/,
    );
    expect(text).to.contain('fix: add the server');
    expect(text).to.match(/- credentials: not checked/);
    expect(text).to.match(/✓ webhook/);
    expect(text).to.match(/✓ PUBLIC_URL: https:\/\/wx\.example\.test is https/);
    expect(text).to.not.contain('the-secret');
  });

  it('adds what the server last recorded, as a note that does not change the exit code', () => {
    const recorded = {
      appid: 'wx0123456789abcdef',
      at: 1_000_000,
      endpoint: '/cgi-bin/stable_token',
      errcode: 40125,
      message: 'WeChat API /cgi-bin/stable_token failed: 40125 invalid appsecret',
      hint: 'invalid AppSecret: copy WECHAT_APPSECRET again',
    };
    const ok = [{ name: 'credentials', ok: true, detail: 'fine' }];
    const { text, code } = formatDoctor(config, ok, recorded, 1_000_000 + 5 * 60_000);
    expect(code).to.equal(0);
    expect(text).to.contain(
      'note: the server recorded a failed call 5 min ago: /cgi-bin/stable_token 40125 — invalid AppSecret',
    );
  });
});
