import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { expect } from 'chai';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { collectPageProblems, launchChromium, skipWithoutChromium } from '../support/chromium.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { SANDBOX_ACCOUNT, startServer, type RunningServer } from '../../src/main.js';

const ADMIN_TOKEN = 'newcomer-e2e-admin-token-0123456789';
/** Set to a path (e.g. docs/console.png) to save a screenshot of the console for the README. */
const SCREENSHOT = process.env['WXOA_CONSOLE_SCREENSHOT'];

/**
 * Issue 6, "done when": a newcomer with no WeChat account starts wxoa in sandbox mode and, in a real browser,
 * logs in with the one-time link from the banner, follows the sandbox account through a QR scene in the
 * simulator panel, sees the follower with its scene and UnionID, receives a text from the simulated
 * follower, answers it from the inbox, and sees the answer arrive at the simulated follower. Issue 10: then
 * restarts the sandbox, and the simulated WeChat still knows the follower and the answer still goes out.
 */
describe('a newcomer walks through the console in a browser (sandbox mode)', function () {
  this.timeout(120_000);
  let dir: string;
  let running: RunningServer | null = null;
  let banner = '';
  let config: ReturnType<typeof loadConfig>;
  let browser: Browser | null = null;
  let context: BrowserContext;
  let page: Page;
  /** Errors the page logged (a CSP violation from inline script or style would be one) and dialogs it opened. */
  const problems: string[] = [];

  before(async function () {
    skipWithoutChromium(this);
    dir = await mkdtemp(join(tmpdir(), 'wxoa-newcomer-'));
    await writeFile(
      join(dir, 'wxoa.config.json'),
      JSON.stringify({
        replies: {
          subscribe: { type: 'text', content: 'Welcome!' },
          scenes: { spring: { type: 'text', content: 'Welcome, spring visitor' } },
          clicks: { MENU_HELP: { type: 'text', content: 'How can we help?' } },
        },
        menu: {
          button: [
            { type: 'click', name: 'Help', key: 'MENU_HELP' },
            {
              name: 'Shop',
              sub_button: [
                { type: 'view', name: 'Website', url: 'https://example.com/' },
                { type: 'view', name: 'My orders', oauth: { scope: 'snsapi_base', target: '/orders' } },
                { type: 'view', name: 'Who am I', oauth: { scope: 'snsapi_base', target: '/oauth/whoami' } },
              ],
            },
          ],
        },
      }),
    );
    config = loadConfig(
      { PORT: '0', HOST: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'wxoa.db')}`, ADMIN_TOKEN },
      dir,
    );
    running = await start();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    collectPageProblems(page, problems);
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
  });

  after(async () => {
    await browser?.close();
    await running?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** `npm start` in sandbox mode; the banner is what a newcomer reads: it is kept to take the login link. */
  async function start(): Promise<RunningServer> {
    banner = '';
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string | Uint8Array) => {
      banner += String(chunk);
      return true;
    }) as typeof process.stdout.write;
    try {
      return await startServer(config, silentLogger);
    } finally {
      process.stdout.write = write;
    }
  }

  const sim = async (path: string, body?: unknown) => {
    const res = await fetch(`${running?.simulatorUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await res.json()) as Record<string, unknown>;
  };

  /** The follower the first test made; the later tests act as them. */
  let openid = '';

  it('goes from the banner’s one-time link to a reply arriving at the simulated follower', async () => {
    const link = /console:\s+(\S+\/admin\/login\/[A-Za-z0-9]+)/.exec(banner)?.[1];
    expect(link, banner).to.be.a('string');

    // Log in with the one-time link: in sandbox mode the console opens on the simulator.
    await page.goto(link ?? '');
    await page.waitForURL(/\/admin\/simulator$/);
    expect(await page.locator('h1').textContent()).to.equal('Simulator');

    // Follow the sandbox account through the "spring" QR scene as a new person.
    await page.getByLabel('Through QR scene').fill('spring');
    await page.getByRole('button', { name: 'Follow the account' }).click();
    await page.waitForURL(/\/admin\/simulator\?as=/);
    openid = new URL(page.url()).searchParams.get('as') ?? '';
    expect(openid).to.match(/^o[\w-]{10,}$/);
    await page.locator('[data-reply] .bubble', { hasText: 'Welcome, spring visitor' }).waitFor();

    // The follower record: scene at once, UnionID once enrichment (user/info/batchget) has run.
    await page.locator('[data-follower-link]').click();
    await page.waitForURL(new RegExp(`/admin/followers/${openid}$`));
    expect(await page.locator('[data-field="scene"]').textContent()).to.equal('spring');
    const simFollower = await sim(`/sim/accounts/${SANDBOX_ACCOUNT.appid}/followers/${openid}`);
    await page
      .locator('[data-field="unionid"]', { hasText: String(simFollower['unionid']) })
      .waitFor({ timeout: 15_000 });
    await page
      .locator('[data-field="subscribe-scene"] [title="ADD_SCENE_QR_CODE"]', { hasText: 'QR code' })
      .waitFor();
    await page.locator('[data-table="identities"]', { hasText: openid }).waitFor();

    // The simulated follower writes.
    await page.goBack();
    await page.waitForURL(/\/admin\/simulator\?as=/);
    const question = 'Do you ship to Shanghai?';
    await page.getByLabel('Send a text message').fill(question);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForURL(/\/admin\/simulator\?as=/);
    await page.locator('.phone li.out .bubble', { hasText: question }).waitFor();

    // The inbox shows it, unanswered, newest first.
    await page.getByRole('link', { name: 'Conversations' }).click();
    const entry = page.locator(`.inbox li[data-openid="${openid}"]`);
    await entry.waitFor();
    expect(await entry.getAttribute('class')).to.equal('unanswered');
    expect(await page.locator('.inbox li').first().getAttribute('data-openid')).to.equal(openid);
    await entry.locator('a').click();
    await page.waitForURL(new RegExp(`/admin/conversations/${openid}$`));
    await page.locator('.thread li.in .bubble', { hasText: question }).waitFor();
    expect(await page.locator('[data-window="open"]').textContent()).to.contain('closes in 47 h');

    // Answer it from the console.
    const answer = 'Yes, we do: about two days.';
    await page.getByLabel('Reply').fill(answer);
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.waitForURL(/\?sent=1$/);
    await page.locator('.flash.ok', { hasText: 'Reply sent.' }).waitFor();
    await page.locator('.thread li.out .bubble', { hasText: answer }).waitFor();

    // A new message appears on the open page without a reload (the live region polls).
    const before = page.url();
    await sim(`/sim/accounts/${SANDBOX_ACCOUNT.appid}/followers/${openid}/text`, {
      content: 'Great, thanks!',
    });
    await page.locator('.thread li.in .bubble', { hasText: 'Great, thanks!' }).waitFor({ timeout: 10_000 });
    expect(page.url()).to.equal(before);

    // The answer reached the simulated follower: WeChat received it, and their phone shows it.
    const account = await sim(`/sim/accounts/${SANDBOX_ACCOUNT.appid}`);
    const sent = account['sentMessages'] as Array<{ touser: string; body: { text?: { content?: string } } }>;
    expect(sent.filter((m) => m.touser === openid).map((m) => m.body.text?.content)).to.deep.equal([answer]);
    await page.getByRole('link', { name: 'Simulator' }).click();
    await page.locator(`a[href="/admin/simulator?as=${openid}"]`).click();
    await page.locator('.phone li[data-kf] .bubble', { hasText: answer }).waitFor();

    expect(problems).to.deep.equal([]);

    if (SCREENSHOT) {
      // The follower record: profile, scene, UnionID, history and the conversation, for the README.
      await page.goto(new URL(`/admin/followers/${openid}`, page.url()).toString());
      await page.locator('[data-field="unionid"]', { hasText: String(simFollower['unionid']) }).waitFor();
      await mkdir(dirname(resolve(SCREENSHOT)), { recursive: true });
      await page.screenshot({ path: resolve(SCREENSHOT), fullPage: true });
    }
  });

  it('restarts the sandbox mid-way: the simulated WeChat still knows the follower, and replies go out', async () => {
    const before = await sim(`/sim/accounts/${SANDBOX_ACCOUNT.appid}/followers/${openid}`);
    await running?.close();
    running = null;
    running = await start();
    expect(banner).to.contain(join(dir, 'wxoa.simulator.json'));

    const link = /console:\s+(\S+\/admin\/login\/[A-Za-z0-9]+)/.exec(banner)?.[1];
    await page.goto(link ?? '');
    await page.waitForURL(/\/admin\/simulator$/);

    // The simulator: the same person, still following (the actions show only to a follower).
    const after = await sim(`/sim/accounts/${SANDBOX_ACCOUNT.appid}/followers/${openid}`);
    expect(after).to.include({ subscribed: true, unionid: before['unionid'] });
    await page.goto(new URL(`/admin/simulator?as=${openid}`, page.url()).toString());
    await page.getByLabel('Send a text message').waitFor();

    // The database agrees: following, the same UnionID, no conflict.
    await page.goto(new URL(`/admin/followers/${openid}`, page.url()).toString());
    expect(await page.locator('[data-field="status"]').textContent()).to.contain('following');
    expect(await page.locator('[data-field="unionid"]').textContent()).to.contain(String(before['unionid']));
    expect(await page.locator('[data-panel="unionid-conflict"]').count()).to.equal(0);

    // The follower writes again and the operator answers: WeChat knows the OpenID (no 40003).
    await page.goto(new URL(`/admin/simulator?as=${openid}`, page.url()).toString());
    await page.getByLabel('Send a text message').fill('Still there after the restart?');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.locator('.phone li.out .bubble', { hasText: 'Still there after the restart?' }).waitFor();
    await page.goto(new URL(`/admin/conversations/${openid}`, page.url()).toString());
    const answer = 'Yes, nothing was lost.';
    await page.getByLabel('Reply').fill(answer);
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.waitForURL(/\?sent=1$/);
    await page.locator('.flash.ok', { hasText: 'Reply sent.' }).waitFor();
    const account = await sim(`/sim/accounts/${SANDBOX_ACCOUNT.appid}`);
    const sent = account['sentMessages'] as Array<{ touser: string; body: { text?: { content?: string } } }>;
    expect(sent.filter((m) => m.touser === openid).map((m) => m.body.text?.content)).to.include(answer);
    expect(problems).to.deep.equal([]);
  });

  it('taps a menu link as the follower and is signed in as them by web authorization (snsapi_base)', async () => {
    const known = await sim(`/sim/accounts/${SANDBOX_ACCOUNT.appid}/followers/${openid}`);
    await page.goto(new URL(`/admin/simulator?as=${openid}`, page.url()).toString());
    const [tab] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('button', { name: 'Who am I' }).click(),
    ]);
    await tab.waitForURL(/\/oauth\/whoami/);
    // snsapi_base carries no UnionID: the server gives the one it knows for the OpenID.
    expect(JSON.parse((await tab.locator('body').textContent()) ?? '{}')).to.include({
      openid,
      unionid: known['unionid'],
      scope: 'snsapi_base',
    });
    // The browser does not carry WeChat's #wechat_redirect to the page.
    expect(new URL(tab.url()).hash).to.equal('');
    await tab.close();
    const calls = (await sim(`/sim/calls?path=/sns/oauth2/access_token`))['calls'] as unknown[];
    expect(calls).to.have.length.at.least(1);
    // The follower record shows the web sign-in under "Same person elsewhere".
    await page.goto(new URL(`/admin/followers/${openid}`, page.url()).toString());
    await page.locator('[data-table="identities"]', { hasText: 'web sign-in (OAuth)' }).waitFor();
    expect(problems).to.deep.equal([]);
  });

  it('signs the same person in to the Mini Program, the mobile app and the website (QR), and finds them under People', async () => {
    const known = await sim(`/sim/accounts/${SANDBOX_ACCOUNT.appid}/followers/${openid}`);
    const unionid = String(known['unionid']);
    await page.goto(new URL(`/admin/simulator?as=${openid}`, page.url()).toString());
    const panel = page.locator('[data-panel="sign-in"]');
    await panel.getByRole('button', { name: 'Sandbox Mini Program' }).click();
    await page.locator('.flash.ok', { hasText: 'Signed in to Sandbox Mini Program' }).waitFor();
    await panel.getByRole('button', { name: 'Sandbox mobile app' }).click();
    await page.locator('.flash.ok', { hasText: 'Signed in to Sandbox mobile app' }).waitFor();

    // The website: our /oauth/login, then WeChat's QR page (the simulator's), where the person scans.
    await panel.getByRole('button', { name: 'Sandbox website (QR sign-in)' }).click();
    await page.waitForURL(/\/connect\/qrconnect\?/);
    const scan = page.locator('a.scan-as').first();
    expect(await scan.getAttribute('data-unionid')).to.equal(unionid);
    await scan.click();
    await page.waitForURL(/\/admin\/people\?q=/);

    // One person, every identity: follower and web sign-in of the account, Mini Program, mobile, website.
    const person = page.locator(`[data-person="${unionid}"]`);
    await person.waitFor();
    for (const source of ['follower', 'oauth', 'miniprogram', 'mobile', 'website']) {
      expect(await person.locator(`tr[data-source="${source}"]`).count(), source).to.equal(1);
    }

    // The People search finds them by the Mini Program's OpenID too.
    const apps = (await sim('/sim/apps'))['apps'] as Array<{ appid: string; type: string }>;
    const mini = apps.find((a) => a.type === 'miniprogram')!;
    const login = await sim(`/sim/apps/${mini.appid}/login`, { unionid });
    await page.getByRole('link', { name: 'People' }).click();
    await page.getByLabel('OpenID or UnionID').fill(String(login['openid']));
    await page.getByRole('button', { name: 'Find' }).click();
    await page.locator(`[data-person="${unionid}"] tr[data-source="website"]`).waitFor();

    // And the follower page's "Same person elsewhere" lists the other apps.
    await page.goto(new URL(`/admin/followers/${openid}`, page.url()).toString());
    await page.locator('[data-table="identities"]', { hasText: 'website QR sign-in' }).waitFor();
    expect(problems).to.deep.equal([]);
  });

  it('shows markup a follower sends as text and never runs it', async () => {
    const markup = 'Look <img src=x onerror="alert(1)"><script>alert(2)</script>';
    await page.goto(new URL(`/admin/simulator?as=${openid}`, page.url()).toString());
    await page.getByLabel('Send a text message').fill(markup);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.locator('.phone li.out .bubble', { hasText: markup }).waitFor();
    await page.goto(new URL(`/admin/conversations/${openid}`, page.url()).toString());
    expect(await page.locator('.thread li.in .bubble').last().textContent()).to.equal(markup);
    await page.goto(new URL('/admin/conversations', page.url()).toString());
    await page.locator('.inbox .preview', { hasText: markup }).waitFor();
    // No element was made from it, no alert opened, no script error or CSP violation was logged.
    expect(await page.locator('main img, main script').count()).to.equal(0);
    expect(problems).to.deep.equal([]);
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const phone = await browser?.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    if (!phone) throw new Error('no browser');
    await phone.addCookies(await context.cookies());
    const small = await phone.newPage();
    for (const path of [
      '/admin/followers',
      '/admin/people',
      '/admin/conversations',
      '/admin/campaigns',
      '/admin/menu',
      '/admin/simulator',
    ]) {
      await small.goto(new URL(path, page.url()).toString());
      expect(await small.locator('h1').count(), path).to.equal(1);
      // A string expression: the page's DOM types are not in this project's (Node) lib.
      const overflow = (await small.evaluate(
        'document.documentElement.scrollWidth - window.innerWidth',
      )) as number;
      expect(overflow, path).to.be.at.most(0);
    }
    await phone.close();
  });
});
