import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Account } from '../account.js';
import type { Follower } from '../follower.js';
import { escapeXml } from '../qr-image.js';
import { SimulatorError } from '../simulator-error.js';
import type { MessageMode, MisbehaveRule } from '../types.js';
import type { World } from '../world.js';
import { queryOf } from './api-kit.js';
import { controlBody, optionalText } from './control-body.js';

/**
 * The JSON control API, for a separate process (the console, `npx wxoa simulator`) to drive the simulator.
 * No authentication: the simulator listens on 127.0.0.1 by default. Errors are
 * `{"error":{"code":"not_found"|"conflict"|"invalid","message"}}` with 404 / 409 / 400.
 *
 *   GET    /sim                                          → { url, accounts: [account] }
 *   POST   /sim/accounts            {appid?, appsecret?, token?, encodingAesKey?, ghId?, webhookUrl?, mode?, oauthDomains?}
 *                                                        → 201 account (with its secrets)
 *   GET    /sim/accounts/:appid                          → account + { followers: [openid], menu, sentMessages }
 *   PATCH  /sim/accounts/:appid     {webhookUrl?, mode?, oauthDomains?} → account
 *   POST   /sim/accounts/:appid/followers  {openid? | unionid?} → 201 follower (got or created, not following)
 *   POST   /sim/accounts/:appid/followers/seed  {count}  → 201 { openids }  (followers without pushes)
 *   GET    /sim/accounts/:appid/followers/:openid        → follower
 *   POST   /sim/accounts/:appid/followers/:openid/follow   {scene?, subscribeScene?} → PushResult
 *   POST   /sim/accounts/:appid/followers/:openid/scan     {scene}   → PushResult
 *   POST   /sim/accounts/:appid/followers/:openid/unfollow           → PushResult
 *   POST   /sim/accounts/:appid/followers/:openid/text     {content, bizmsgmenuid?} → PushResult
 *   POST   /sim/accounts/:appid/followers/:openid/click    {key}     → PushResult
 *   POST   /sim/accounts/:appid/push   {xml, timestamp?, nonce?, tamper?} → PushResult
 *   POST   /sim/accounts/:appid/invalidate-tokens        → 204
 *   POST   /sim/persons              {unionid?, nickname?} → 201 { unionid, nickname, headimgurl }
 *   GET    /sim/calls?path=&appid=                       → { calls }
 *   DELETE /sim/calls                                    → 204
 *   POST   /sim/misbehave            {kind, path?, pathPattern?, times?, ms?, openid?, unionid?} → 204  (pathPattern: a RegExp source)
 *   POST   /sim/clock/advance        {ms}                 → { now }
 *   GET    /sim/avatar/:unionid/:size                    → an SVG avatar (the persons' headimgurl)
 */
export function controlRoutes(router: Router, world: World): void {
  router.get('/sim', (ctx) => {
    ctx.body = { url: world.baseUrl, accounts: [...world.accounts.values()].map(accountView) };
  });

  router.post('/sim/accounts', async (ctx) => {
    const body = await controlBody(ctx);
    const account = world.createAccount({
      appid: optionalText(body, 'appid'),
      appsecret: optionalText(body, 'appsecret'),
      token: optionalText(body, 'token'),
      encodingAesKey: optionalText(body, 'encodingAesKey'),
      ghId: optionalText(body, 'ghId'),
      webhookUrl: webhookUrl(body),
      mode: mode(body),
      oauthDomains: domains(body),
    });
    ctx.status = 201;
    ctx.body = accountView(account);
  });

  router.get('/sim/accounts/:appid', (ctx) => {
    const account = world.account(ctx.params['appid'] ?? '');
    ctx.body = {
      ...accountView(account),
      followers: account.followers(),
      menu: account.menu,
      sentMessages: account.sentMessages,
    };
  });

  router.patch('/sim/accounts/:appid', async (ctx) => {
    const account = world.account(ctx.params['appid'] ?? '');
    const body = await controlBody(ctx);
    if ('webhookUrl' in body) account.webhookUrl = webhookUrl(body);
    const m = mode(body);
    if (m !== undefined) account.mode = m;
    const d = domains(body);
    if (d !== undefined) account.oauthDomains = d;
    ctx.body = accountView(account);
  });

  router.post('/sim/accounts/:appid/followers', async (ctx) => {
    const account = world.account(ctx.params['appid'] ?? '');
    const body = await controlBody(ctx);
    const openid = optionalText(body, 'openid');
    const unionid = optionalText(body, 'unionid');
    let follower: Follower;
    if (unionid !== undefined) {
      const person = world.persons.get(unionid) ?? world.createPerson({ unionid });
      follower = account.followerOf(person);
    } else {
      follower = account.follower(openid);
    }
    ctx.status = 201;
    ctx.body = followerView(follower);
  });

  router.post('/sim/accounts/:appid/followers/seed', async (ctx) => {
    const account = world.account(ctx.params['appid'] ?? '');
    const count = (await controlBody(ctx))['count'];
    if (typeof count !== 'number') throw new SimulatorError('invalid', 'count must be a number');
    ctx.status = 201;
    ctx.body = { openids: account.seedFollowers(count).map((f) => f.openid) };
  });

  router.get('/sim/accounts/:appid/followers/:openid', (ctx) => {
    ctx.body = followerView(knownFollower(world, ctx));
  });

  router.post('/sim/accounts/:appid/followers/:openid/:action', async (ctx) => {
    const follower = knownFollower(world, ctx);
    const body = await controlBody(ctx);
    const scene = body['scene'];
    if (scene !== undefined && typeof scene !== 'string' && typeof scene !== 'number') {
      throw new SimulatorError('invalid', 'scene must be a string or a number');
    }
    switch (ctx.params['action']) {
      case 'follow':
        ctx.body = await follower.follow({ scene, subscribeScene: optionalText(body, 'subscribeScene') });
        return;
      case 'scan':
        if (scene === undefined) throw new SimulatorError('invalid', 'scan needs a scene');
        ctx.body = await follower.scan(scene);
        return;
      case 'unfollow':
        ctx.body = await follower.unfollow();
        return;
      case 'text':
        ctx.body = await follower.sendText(requiredText(body, 'content'), {
          bizmsgmenuid: optionalText(body, 'bizmsgmenuid'),
        });
        return;
      case 'click':
        ctx.body = await follower.click(requiredText(body, 'key'));
        return;
      default:
        throw new SimulatorError('not_found', `no follower action ${ctx.params['action']}`);
    }
  });

  router.post('/sim/accounts/:appid/push', async (ctx) => {
    const account = world.account(ctx.params['appid'] ?? '');
    const body = await controlBody(ctx);
    const timestamp = body['timestamp'];
    if (timestamp !== undefined && typeof timestamp !== 'number')
      throw new SimulatorError('invalid', 'timestamp must be a number');
    ctx.body = await account.push(requiredText(body, 'xml'), {
      timestamp,
      nonce: optionalText(body, 'nonce'),
      tamper: body['tamper'] === true,
    });
  });

  router.post('/sim/accounts/:appid/invalidate-tokens', (ctx) => {
    world.tokens.invalidate(world.account(ctx.params['appid'] ?? '').appid);
    ctx.status = 204;
  });

  router.post('/sim/persons', async (ctx) => {
    const body = await controlBody(ctx);
    const person = world.createPerson({
      unionid: optionalText(body, 'unionid'),
      nickname: optionalText(body, 'nickname'),
    });
    ctx.status = 201;
    ctx.body = { unionid: person.unionid, nickname: person.nickname, headimgurl: person.headimgurl };
  });

  router.get('/sim/calls', (ctx) => {
    const q = queryOf(ctx);
    ctx.body = {
      calls: world.calls.filter(
        (c) => (!q['path'] || c.path === q['path']) && (!q['appid'] || c.appid === q['appid']),
      ),
    };
  });

  router.delete('/sim/calls', (ctx) => {
    world.calls.length = 0;
    ctx.status = 204;
  });

  router.post('/sim/misbehave', async (ctx) => {
    const body = await controlBody(ctx);
    const kind = body['kind'];
    const pattern = optionalText(body, 'pathPattern');
    const path = pattern !== undefined ? new RegExp(pattern) : optionalText(body, 'path');
    const times = typeof body['times'] === 'number' ? body['times'] : undefined;
    let rule: MisbehaveRule;
    if (kind === 'slow') {
      const ms = body['ms'];
      if (typeof ms !== 'number') throw new SimulatorError('invalid', "a 'slow' rule needs ms");
      rule = { kind, ms, path, times };
    } else if (kind === 'system_error' || kind === 'http_500' || kind === 'invalid_credential') {
      rule = { kind, path, times };
    } else if (kind === 'other_unionid') {
      rule = {
        kind,
        path,
        times,
        openid: requiredText(body, 'openid'),
        unionid: requiredText(body, 'unionid'),
      };
    } else {
      throw new SimulatorError(
        'invalid',
        'kind must be slow, system_error, http_500, invalid_credential or other_unionid',
      );
    }
    world.misbehaviour.add(rule);
    ctx.status = 204;
  });

  router.post('/sim/clock/advance', async (ctx) => {
    const ms = (await controlBody(ctx))['ms'];
    if (typeof ms !== 'number') throw new SimulatorError('invalid', 'ms must be a number');
    try {
      world.clock.advance(ms);
    } catch (e) {
      throw new SimulatorError('invalid', (e as Error).message);
    }
    ctx.body = { now: world.clock.now() };
  });

  router.get('/sim/avatar/:unionid/:size', (ctx) => {
    const person = world.persons.get(ctx.params['unionid'] ?? '');
    if (!person) throw new SimulatorError('not_found', 'no such person');
    const initial = [...person.nickname].at(-1) ?? '?';
    ctx.type = 'image/svg+xml';
    ctx.body =
      `<svg xmlns="http://www.w3.org/2000/svg" width="132" height="132"><rect width="132" height="132" fill="#07c160"/>` +
      `<text x="66" y="84" font-size="56" font-family="sans-serif" fill="#fff" text-anchor="middle">${escapeXml(initial)}</text></svg>`;
  });
}

/** The control API's error shape, from a SimulatorError (or a bad JSON body). */
export async function controlErrors(ctx: Context, next: () => Promise<unknown>): Promise<void> {
  try {
    await next();
  } catch (e) {
    if (!(e instanceof SimulatorError)) throw e;
    ctx.status = e.kind === 'not_found' ? 404 : e.kind === 'conflict' ? 409 : 400;
    ctx.body = { error: { code: e.kind, message: e.message } };
  }
}

/** An account as the control API shows it, secrets included: it is a simulator. */
export function accountView(a: Account): Record<string, unknown> {
  return {
    appid: a.appid,
    appsecret: a.appsecret,
    token: a.token,
    encodingAesKey: a.encodingAesKey,
    ghId: a.ghId,
    webhookUrl: a.webhookUrl ?? null,
    mode: a.mode,
    oauthDomains: a.oauthDomains,
    followerCount: a.followerCount,
  };
}

/** A follower as the control API shows it. */
export function followerView(f: Follower): Record<string, unknown> {
  return {
    openid: f.openid,
    unionid: f.unionid,
    nickname: f.person.nickname,
    subscribed: f.subscribed,
    subscribeTime: f.subscribeTime ?? null,
    unsubscribeTime: f.unsubscribeTime ?? null,
    subscribeScene: f.subscribeScene,
    qrScene: f.qrScene,
    qrSceneStr: f.qrSceneStr,
    remark: f.remark,
    tagIds: f.tagIds,
  };
}

function knownFollower(world: World, ctx: Context & { params: Record<string, string> }): Follower {
  const account = world.account(ctx.params['appid'] ?? '');
  const follower = account.find(ctx.params['openid'] ?? '');
  if (!follower)
    throw new SimulatorError('not_found', `no openid ${ctx.params['openid']} in ${account.appid}`);
  return follower;
}

function requiredText(body: Record<string, unknown>, name: string): string {
  const v = optionalText(body, name);
  if (v === undefined) throw new SimulatorError('invalid', `${name} is required`);
  return v;
}

function webhookUrl(body: Record<string, unknown>): string | undefined {
  const url = optionalText(body, 'webhookUrl');
  if (url !== undefined && !URL.canParse(url))
    throw new SimulatorError('invalid', 'webhookUrl must be an absolute URL');
  return url;
}

function mode(body: Record<string, unknown>): MessageMode | undefined {
  const m = optionalText(body, 'mode');
  if (m !== undefined && m !== 'plain' && m !== 'compat' && m !== 'safe') {
    throw new SimulatorError('invalid', 'mode must be plain, compat or safe');
  }
  return m;
}

function domains(body: Record<string, unknown>): string[] | undefined {
  const d = body['oauthDomains'];
  if (d === undefined) return undefined;
  if (!Array.isArray(d) || !d.every((x) => typeof x === 'string')) {
    throw new SimulatorError('invalid', 'oauthDomains must be an array of host names');
  }
  return d;
}
