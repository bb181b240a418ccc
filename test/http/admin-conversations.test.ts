import { expect } from 'chai';
import { conversationsApiRouter, MAX_TEXT_BYTES } from '../../src/http/admin-conversations.js';
import { ConversationService } from '../../src/kf/conversation-service.js';
import type { SimAccount, Simulator } from '../../src/simulator/index.js';
import type { Store } from '../../src/store/index.js';
import { WechatApi } from '../../src/wechat-api/index.js';
import { adminApp, api, listen, type TestServer, startSimulatedAccount } from '../kf/test-app.js';

const SEND = '/cgi-bin/message/custom/send';

describe('admin API: /api/conversations', () => {
  let sim: Simulator;
  let account: SimAccount;
  let store: Store;
  let server: TestServer;
  /** The same routes with a WeChat API nobody listens on. */
  let offline: TestServer;

  before(async () => {
    let wechat: WechatApi;
    let clock: () => number;
    ({ sim, account, store, wechat, clock } = await startSimulatedAccount());
    const conversations = new ConversationService({ messages: store.messages, apiFor: () => wechat, clock });
    server = await listen(adminApp(conversationsApiRouter({ conversations, appid: account.appid })));

    // A port that was just free: connections are refused, as when WeChat's API is unreachable.
    const gone = await listen(adminApp());
    await gone.close();
    const unreachable = new WechatApi({
      appid: account.appid,
      appsecret: account.appsecret,
      apiBase: gone.origin,
      retries: 0,
    });
    const offlineService = new ConversationService({ messages: store.messages, apiFor: () => unreachable });
    offline = await listen(
      adminApp(conversationsApiRouter({ conversations: offlineService, appid: account.appid })),
    );
  });

  after(async () => {
    await server?.close();
    await offline?.close();
    await store?.close();
    await sim?.close();
  });

  async function writingFollower() {
    const follower = account.follower();
    await follower.follow();
    await follower.sendText('hello'); // no webhook: only opens the window on the platform
    return follower;
  }

  function sendCalls(): number {
    return sim.calls.filter((c) => c.path === SEND).length;
  }

  it('refuses every route without the admin token', async () => {
    for (const [method, path] of [
      ['GET', '/api/conversations'],
      ['GET', '/api/conversations/oX/messages'],
      ['POST', '/api/conversations/oX/messages'],
    ] as const) {
      const res = await fetch(`${server.origin}${path}`, { method });
      expect(res.status, `${method} ${path}`).to.equal(401);
    }
  });

  it('answers 201 with the recorded message', async () => {
    const follower = await writingFollower();
    // The simulator's clock runs in real time: a second may tick over during the request.
    const before = Math.floor(sim.clock.now() / 1000);
    const res = await api(server.origin, 'POST', `/api/conversations/${follower.openid}/messages`, {
      text: '你好 👋',
    });
    const after = Math.floor(sim.clock.now() / 1000);
    expect(res.status).to.equal(201);
    const message = res.json['message'] as Record<string, unknown>;
    expect(message).to.include({ direction: 'out', type: 'text', content: '你好 👋', via: 'operator' });
    expect(message['createTime']).to.be.within(before, after);
  });

  const invalid: Array<[string, unknown]> = [
    ['an empty text', { text: '' }],
    ['a blank text', { text: ' \n\t' }],
    ['no text', {}],
    ['a text that is not a string', { text: 42 }],
    ['a body that is not an object', ['text']],
    ['a text over the byte limit', { text: '字'.repeat(Math.floor(MAX_TEXT_BYTES / 3) + 1) }],
  ];
  for (const [what, body] of invalid) {
    it(`answers 400 to ${what} and sends nothing`, async () => {
      const follower = await writingFollower();
      const before = sendCalls();
      const res = await api(server.origin, 'POST', `/api/conversations/${follower.openid}/messages`, body);
      expect(res.status).to.equal(400);
      expect((res.json['error'] as Record<string, string>)['message'])
        .to.be.a('string')
        .and.not.equal('');
      expect(sendCalls()).to.equal(before);
    });
  }

  it('accepts a text of exactly the byte limit', async () => {
    const follower = await writingFollower();
    const text = 'a'.repeat(MAX_TEXT_BYTES);
    const res = await api(server.origin, 'POST', `/api/conversations/${follower.openid}/messages`, { text });
    expect(res.status).to.equal(201);
  });

  it('answers 400 to malformed JSON', async () => {
    const res = await api(server.origin, 'POST', '/api/conversations/oX/messages', '{"text": ');
    expect(res.status).to.equal(400);
  });

  it('answers 409 not_following for a follower who unfollowed, and records nothing', async () => {
    const follower = await writingFollower();
    await follower.unfollow();
    const res = await api(server.origin, 'POST', `/api/conversations/${follower.openid}/messages`, {
      text: 'hi',
    });
    expect(res.status).to.equal(409);
    expect((res.json['error'] as Record<string, string>)['code']).to.equal('not_following');
    const history = await api(server.origin, 'GET', `/api/conversations/${follower.openid}/messages`);
    expect(history.json['messages']).to.deep.equal([]);
  });

  it('answers 404 for an OpenID WeChat does not know', async () => {
    const res = await api(server.origin, 'POST', '/api/conversations/oNobodyAtAll0000000000000000/messages', {
      text: 'hi',
    });
    expect(res.status).to.equal(404);
    expect((res.json['error'] as Record<string, string>)['code']).to.equal('follower_not_found');
  });

  it('answers 502 when WeChat cannot be reached, and records nothing', async () => {
    const res = await api(offline.origin, 'POST', '/api/conversations/oOffline/messages', { text: 'hi' });
    expect(res.status).to.equal(502);
    const error = res.json['error'] as Record<string, string>;
    expect(error['code']).to.equal('wechat_unreachable');
    expect(error['message']).to.match(/not sent/);
    const history = await api(offline.origin, 'GET', '/api/conversations/oOffline/messages');
    expect(history.json['messages']).to.deep.equal([]);
  });

  it('answers 404 for an account that is not configured', async () => {
    const res = await api(server.origin, 'GET', '/api/conversations?appid=wx0000000000000000');
    expect(res.status).to.equal(404);
  });

  it('answers 400 to a limit out of range', async () => {
    for (const limit of ['0', '501', 'ten']) {
      const res = await api(server.origin, 'GET', `/api/conversations/oX/messages?limit=${limit}`);
      expect(res.status, limit).to.equal(400);
    }
  });

  it('returns the newest messages oldest first when limited', async () => {
    const follower = await writingFollower();
    for (const text of ['one', 'two', 'three']) {
      await api(server.origin, 'POST', `/api/conversations/${follower.openid}/messages`, { text });
      sim.clock.advance(1000);
    }
    const res = await api(server.origin, 'GET', `/api/conversations/${follower.openid}/messages?limit=2`);
    const messages = res.json['messages'] as Array<Record<string, unknown>>;
    expect(messages.map((m) => m['content'])).to.deep.equal(['two', 'three']);
    expect(Object.keys(messages[0] ?? {}).sort()).to.deep.equal([
      'content',
      'createTime',
      'direction',
      'type',
      'via',
    ]);
  });

  it('pages a conversation back in time with nextCursor, reaching every message once', async () => {
    const follower = await writingFollower();
    for (const text of ['one', 'two', 'three']) {
      await api(server.origin, 'POST', `/api/conversations/${follower.openid}/messages`, { text });
    }
    const seen: string[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const res = await api(
        server.origin,
        'GET',
        `/api/conversations/${follower.openid}/messages?limit=2${query}`,
      );
      expect(res.status).to.equal(200);
      seen.push((res.json['messages'] as Array<{ content: string }>).map((m) => m.content));
      cursor = res.json['nextCursor'] as string | null;
    } while (cursor);
    expect(seen).to.deep.equal([['two', 'three'], ['one']]);
  });

  it('pages the inbox newest first past any page size, filters the unanswered, and counts both', async () => {
    const appid = 'wxpaging0000000001';
    const paged = await listen(
      adminApp(
        conversationsApiRouter({
          conversations: new ConversationService({ messages: store.messages, apiFor: () => undefined }),
          appid,
        }),
      ),
    );
    try {
      // 130 conversations: the old inbox stopped at 100, hiding the oldest "help me".
      await store.messages.add({
        appid,
        openid: 'oHelp',
        direction: 'in',
        type: 'text',
        content: 'help me',
        createTime: 1000,
        msgId: 'h',
      });
      for (let n = 0; n < 129; n++) {
        const openid = `o${String(n).padStart(3, '0')}`;
        await store.messages.add({
          appid,
          openid,
          direction: 'in',
          type: 'text',
          content: 'hi',
          createTime: 2000 + n,
          msgId: openid,
        });
        await store.messages.add({
          appid,
          openid,
          direction: 'out',
          type: 'text',
          content: 'hello',
          createTime: 2000 + n,
          via: 'passive',
        });
      }
      const openids: string[] = [];
      let cursor: string | null = null;
      let counts: unknown;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const res = await api(paged.origin, 'GET', `/api/conversations?limit=50${query}`);
        expect(res.status).to.equal(200);
        openids.push(...(res.json['conversations'] as Array<{ openid: string }>).map((c) => c.openid));
        cursor = res.json['nextCursor'] as string | null;
        counts = res.json['counts'];
      } while (cursor);
      expect(openids).to.have.length(130);
      expect(new Set(openids).size).to.equal(130);
      expect(openids.at(-1)).to.equal('oHelp');
      expect(counts).to.deep.equal({ total: 130, unanswered: 1 });

      const open = await api(paged.origin, 'GET', '/api/conversations?unanswered=true');
      expect(open.json['conversations']).to.deep.equal([
        {
          openid: 'oHelp',
          unionid: null,
          lastMessage: { direction: 'in', type: 'text', content: 'help me', createTime: 1000 },
          lastInboundTime: 1000,
          unanswered: true,
        },
      ]);
      expect(open.json['nextCursor']).to.equal(null);
      for (const bad of ['unanswered=yes', 'cursor=nonsense']) {
        expect((await api(paged.origin, 'GET', `/api/conversations?${bad}`)).status, bad).to.equal(400);
      }
    } finally {
      await paged.close();
    }
  });
});
