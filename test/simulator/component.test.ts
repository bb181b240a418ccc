/**
 * Issue 13: the simulated third-party platform enforces WeChat's rules (WECHAT-PROTOCOL.md §8): tickets valid
 * 12 h and pushed every 10 simulated minutes, pre-auth codes single use and 600 s, authorization codes single
 * use, refresh tokens rotated (an old one → 61023), 48001 outside the granted permission sets.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { ManualClock, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { eventually } from '../support/server.js';

const COMPONENT = {
  appid: 'wxc0mp0nent0000009',
  appsecret: 'component-secret',
  token: 'componenttoken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};

describe('simulator: third-party platform rules', () => {
  let sim: Simulator;
  let clock: ManualClock;
  let events: Server;
  let pushes = 0;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const call = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      redirect: 'manual',
    });
    const text = await res.text();
    try {
      return { status: res.status, location: res.headers.get('location'), ...JSON.parse(text) };
    } catch {
      return { status: res.status, location: res.headers.get('location'), text };
    }
  };
  const componentToken = async (ticket: string) =>
    call('POST', '/cgi-bin/component/api_component_token', {
      component_appid: COMPONENT.appid,
      component_appsecret: COMPONENT.appsecret,
      component_verify_ticket: ticket,
    });

  before(async () => {
    events = createServer((req, res) => {
      pushes++;
      req.resume();
      res.end('success');
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => events.once('listening', resolve));
    clock = new ManualClock(Date.UTC(2026, 0, 1));
    sim = await startSimulator({ clock });
    expect((await call('POST', '/sim/components', COMPONENT)).status).to.equal(201);
  });
  after(async () => {
    await sim.close();
    events.close();
  });

  it('takes a ticket for 12 hours, then answers 61005; an unknown ticket 61006, a wrong secret 40125', async () => {
    const { ticket } = await call('POST', `/sim/components/${COMPONENT.appid}/ticket`);
    expect((await componentToken(ticket)).component_access_token).to.be.a('string');
    expect((await componentToken('ticket@@@nope')).errcode).to.equal(61006);
    const wrong = await call('POST', '/cgi-bin/component/api_component_token', {
      component_appid: COMPONENT.appid,
      component_appsecret: 'wrong',
      component_verify_ticket: ticket,
    });
    expect(wrong.errcode).to.equal(40125);
    clock.advance(12 * 3600_000 + 1000);
    expect((await componentToken(ticket)).errcode).to.equal(61005);
  });

  it('pushes a ticket every 10 simulated minutes once started', async () => {
    const port = (events.address() as AddressInfo).port;
    await call('PATCH', `/sim/components/${COMPONENT.appid}`, {
      eventUrl: `http://127.0.0.1:${port}/events`,
      ticketTimer: true,
    });
    const before = pushes;
    await call('GET', '/sim');
    await eventually('the first ticket is pushed', () => pushes === before + 1);
    clock.advance(5 * 60_000);
    await call('GET', '/sim');
    expect(pushes).to.equal(before + 1);
    clock.advance(5 * 60_000);
    await call('GET', '/sim');
    await eventually('the next ticket is pushed', () => pushes === before + 2);
  });

  it('uses a pre-auth code once and for 600 s; an authorization code once; rotates refresh tokens', async () => {
    const { ticket } = await call('POST', `/sim/components/${COMPONENT.appid}/ticket`);
    const token = (await componentToken(ticket)).component_access_token as string;
    const account = sim.createAccount({ mode: 'safe' });
    const api = (name: string, body: Record<string, unknown>) =>
      call('POST', `/cgi-bin/component/${name}?component_access_token=${token}`, {
        component_appid: COMPONENT.appid,
        ...body,
      });

    const confirm = (code: string) =>
      call(
        'POST',
        '/cgi-bin/componentloginpage/confirm',
        new URLSearchParams({
          component_appid: COMPONENT.appid,
          pre_auth_code: code,
          redirect_uri: 'http://127.0.0.1:9/cb',
          appid: account.appid,
          func_info: '1',
        }).toString(),
      );
    const first = (await api('api_create_preauthcode', {})).pre_auth_code as string;
    const ok = await confirm(first);
    expect(ok.status).to.equal(302);
    expect((await confirm(first)).status).to.equal(400);
    const late = (await api('api_create_preauthcode', {})).pre_auth_code as string;
    clock.advance(601_000);
    expect((await confirm(late)).status).to.equal(400);

    const code = new URL(ok.location).searchParams.get('auth_code');
    const auth = await api('api_query_auth', { authorization_code: code });
    expect(auth.authorization_info.func_info).to.deep.equal([{ funcscope_category: { id: 1 } }]);
    expect((await api('api_query_auth', { authorization_code: code })).errcode).to.equal(61009);

    const refresh1 = auth.authorization_info.authorizer_refresh_token as string;
    const next = await api('api_authorizer_token', {
      authorizer_appid: account.appid,
      authorizer_refresh_token: refresh1,
    });
    expect(next.authorizer_refresh_token).to.be.a('string').and.not.equal(refresh1);
    const stale = await api('api_authorizer_token', {
      authorizer_appid: account.appid,
      authorizer_refresh_token: refresh1,
    });
    expect(stale.errcode).to.equal(61023);

    // Outside func_info (only 1, message management): QR codes are 48001; customer service is not refused.
    const qr = await call('POST', `/cgi-bin/qrcode/create?access_token=${next.authorizer_access_token}`, {
      action_name: 'QR_LIMIT_STR_SCENE',
      action_info: { scene: { scene_str: 'x' } },
    });
    expect(qr.errcode).to.equal(48001);
  });
});
