/**
 * Issue 10, end to end: the real server (with the console) on loopback, WeChat played by the simulator, a
 * real SQLite file. The inbox reaches every conversation (paged, counted, filtered); the reply window shown
 * to the operator is the one WeChat applies (unfollow and re-follow, the 5-message quota); every QR code
 * created through wxoa is kept, across a restart, and no console form spends quota again on a reload.
 */
import { expect } from 'chai';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { ConsoleClient } from '../console/console-client.js';
import {
  ADMIN_TOKEN,
  callsTo,
  eventually,
  e2eDatabase,
  startE2eServer,
  type E2eDatabase,
  type E2eServer,
} from '../support/server.js';

const REPLIES = {
  subscribe: { type: 'text', content: 'Welcome!' },
  keywords: [{ match: 'exact', pattern: 'hi', reply: { type: 'text', content: 'Hello there' } }],
};

for (const engine of ['sqlite', 'postgres'] as const)
  describe(`e2e: the operator’s day (inbox, reply window, QR codes) on ${engine}`, function () {
    let sim: Simulator;
    let account: SimAccount;
    let db: E2eDatabase;
    let server: E2eServer;
    let c: ConsoleClient;

    const start = async () => {
      server = await startE2eServer({
        sim,
        account,
        databaseUrl: db.url,
        configFile: { replies: REPLIES },
        clock: () => sim.clock.now(),
        console: true,
      });
      c = new ConsoleClient(server.url);
      await c.login(ADMIN_TOKEN);
    };

    before(async function () {
      db = await e2eDatabase(engine, this);
      sim = await startSimulator();
      account = sim.createAccount({ mode: 'safe' });
      await start();
    });

    after(async () => {
      await server?.close();
      await sim?.close();
      await db?.dispose();
    });

    const post = (path: string, body: unknown) =>
      server.api(path, { method: 'POST', body: JSON.stringify(body) });

    describe('the inbox', () => {
      let helpMe: string;

      before(async function () {
        this.timeout(60_000);
        // The oldest conversation is the one nobody answered; 129 newer ones got an automatic reply.
        const asker = account.follower();
        await asker.follow();
        await asker.sendText('help me');
        helpMe = asker.openid;
        for (let n = 0; n < 129; n++) {
          sim.clock.advance(1000);
          const f = account.follower();
          await f.follow();
          await f.sendText('hi');
        }
      });

      it('pages the admin API through every conversation, with counts and the unanswered filter', async () => {
        const seen: string[] = [];
        let cursor: string | null = null;
        let counts: unknown;
        do {
          const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
          const { status, body } = await server.api(`/api/conversations?limit=40${query}`);
          expect(status).to.equal(200);
          seen.push(...body.conversations.map((x: { openid: string }) => x.openid));
          cursor = body.nextCursor;
          counts = body.counts;
        } while (cursor);
        expect(seen).to.have.length(130);
        expect(new Set(seen).size).to.equal(130);
        expect(seen.at(-1)).to.equal(helpMe);
        expect(counts).to.deep.equal({ total: 130, unanswered: 1 });

        const { body } = await server.api('/api/conversations?unanswered=true');
        expect(body.conversations.map((x: { openid: string }) => x.openid)).to.deep.equal([helpMe]);
        expect(body.conversations[0].lastMessage).to.include({ direction: 'in', content: 'help me' });
      });

      it('shows counts, a pager that reaches the oldest conversation, and the unanswered filter in the console', async () => {
        let page = await c.get('/admin/conversations');
        expect(page.status).to.equal(200);
        expect(page.markup).to.contain('data-count="total">130<');
        expect(page.markup).to.match(/data-count="unanswered">1</);
        let pages = 1;
        while (!page.markup.includes(`data-openid="${helpMe}"`)) {
          const older = /<a class="button secondary" rel="next" href="([^"]+)">Older →<\/a>/.exec(
            page.markup,
          )?.[1];
          expect(older, `page ${pages} has no Older link`).to.be.a('string');
          page = await c.get(older!.replace(/&amp;/g, '&'));
          pages++;
        }
        expect(pages).to.equal(3);
        expect(page.markup).not.to.contain('rel="next"');

        const unanswered = await c.get('/admin/conversations?unanswered=true');
        const listed = [...unanswered.markup.matchAll(/data-openid="([^"]+)"/g)].map((m) => m[1]);
        expect(listed).to.deep.equal([helpMe]);
      });
    });

    describe('the reply window', () => {
      const windowOf = async (openid: string) => {
        const page = await c.get(`/admin/conversations/${openid}`);
        const notice = /<p class="window (open|closed)"[^>]*>([\s\S]*?)<\/p>/.exec(page.markup);
        const send = /<button type="submit"( disabled)?>Send reply<\/button>/.exec(page.markup);
        return { state: notice?.[1], text: notice?.[2] ?? '', sendDisabled: Boolean(send?.[1]), page };
      };
      const reply = async (openid: string, text: string) =>
        c.post(`/admin/conversations/${openid}/reply`, {
          text,
          _csrf: await c.csrf(`/admin/conversations/${openid}`),
        });

      it('counts down the 5 messages WeChat allows, and turns Send off when they are used (45047)', async () => {
        const f = account.follower();
        await f.follow();
        sim.clock.advance(120_000); // the follow's own minute has passed: only the message counts
        await f.sendText('a question');
        expect((await windowOf(f.openid)).text).to.contain('5 of 5 left');

        const sent = await reply(f.openid, 'first answer');
        expect(sent.status).to.equal(302);
        const reload = await c.get(sent.location!);
        expect(reload.markup).to.contain('Reply sent.');
        expect((await windowOf(f.openid)).text).to.contain('4 of 5 left');
        for (let n = 2; n <= 5; n++)
          expect(
            (await post(`/api/conversations/${f.openid}/messages`, { text: `answer ${n}` })).status,
          ).to.equal(201);

        const used = await windowOf(f.openid);
        expect(used.state).to.equal('closed');
        expect(used.text).to.contain('0 left');
        expect(used.sendDisabled).to.equal(true);
        // WeChat agrees: a sixth is refused with 45047.
        const sixth = await post(`/api/conversations/${f.openid}/messages`, { text: 'one more' });
        expect(sixth.status).to.equal(429);
        expect(sim.calls.filter((x) => x.path === '/cgi-bin/message/custom/send').at(-1)?.errcode).to.equal(
          45047,
        );
      });

      it('after an unfollow and re-follow allows only the follow’s minute, then says closed as WeChat does (45015)', async () => {
        const f = account.follower();
        await f.follow();
        await f.sendText('hello?');
        sim.clock.advance(5000);
        await f.unfollow();
        const gone = await windowOf(f.openid);
        expect(gone.state).to.equal('closed');
        expect(gone.sendDisabled).to.equal(true);

        sim.clock.advance(5000);
        await f.follow();
        const back = await windowOf(f.openid);
        expect(back.state).to.equal('open');
        expect(back.text).to.contain('3 of 3 left');
        expect(back.text).not.to.contain('h '); // not the 48-hour window of the message before the unfollow

        sim.clock.advance(61_000);
        const later = await windowOf(f.openid);
        expect(later.state).to.equal('closed');
        expect(later.sendDisabled).to.equal(true);
        const refused = await post(`/api/conversations/${f.openid}/messages`, { text: 'still there?' });
        expect(refused.status).to.equal(409);
        expect(sim.calls.filter((x) => x.path === '/cgi-bin/message/custom/send').at(-1)?.errcode).to.equal(
          45015,
        );

        // The two identical welcome replies explain themselves: each follows a "Followed" note. (A passive
        // reply is recorded once it has gone out, so the second may land a moment after the push returned.)
        const threadLines = async () =>
          [
            ...(await windowOf(f.openid)).page.markup.matchAll(
              /<li class="(note|in|out)"[^>]*>([\s\S]*?)<\/li>/g,
            ),
          ].map((m) =>
            m[1] === 'note'
              ? m[2]!.split('·')[0]!.trim()
              : `${m[1]}: ${/<div class="bubble">([\s\S]*?)<\/div>/.exec(m[2]!)?.[1]}`,
          );
        let lines = await threadLines();
        await eventually(
          'the second welcome is recorded',
          async () => (lines = await threadLines()).length === 6,
        );
        expect(lines).to.deep.equal([
          'Followed',
          'out: Welcome!',
          'in: hello?',
          'Unfollowed',
          'Followed',
          'out: Welcome!',
        ]);
      });
    });

    describe('QR codes', () => {
      it('keeps every code created through the API and the console, across a restart, newest first', async function () {
        this.timeout(20_000);
        const creates = () => callsTo(sim, '/cgi-bin/qrcode/create').length;
        const before = creates();
        const viaApi = await post('/api/qrcodes', { scene: 'flyer', expireSeconds: 3600 });
        expect(viaApi.status).to.equal(201);
        sim.clock.advance(1000);
        const posted = await c.post('/admin/campaigns', {
          scene: 'poster',
          kind: 'permanent',
          expire: '',
          label: 'Shop window',
          _csrf: await c.csrf('/admin/campaigns'),
        });
        expect(posted.status).to.equal(303);
        // Reloading the page the browser was sent to does not create another code.
        await c.get(posted.location!);
        await c.get(posted.location!);
        expect(creates()).to.equal(before + 2);

        await server.close();
        await start();

        const { body } = await server.api('/api/qrcodes');
        expect(body.nextCursor).to.equal(null);
        expect(body.qrcodes.map((q: { scene: string }) => q.scene)).to.deep.equal(['poster', 'flyer']);
        expect(body.qrcodes[0]).to.include({ permanent: true, expiresAt: null, label: 'Shop window' });
        expect(body.qrcodes[1]).to.include({
          ticket: viaApi.body.ticket,
          url: viaApi.body.url,
          permanent: false,
        });
        expect(Date.parse(body.qrcodes[1].expiresAt) - Date.parse(body.qrcodes[1].createdAt)).to.equal(
          3_600_000,
        );

        const campaigns = await c.get('/admin/campaigns');
        expect(campaigns.markup).to.contain(`data-ticket="${viaApi.body.ticket}"`);
        expect(campaigns.markup).to.contain('value="Shop window"');
        expect(campaigns.markup).to.match(/href="\/admin\/campaigns\/qr\.png\?ticket=[^"]+download=1"/);
      });
    });
  });
