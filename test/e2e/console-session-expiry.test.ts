import { expect } from 'chai';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { collectPageProblems, launchChromium, skipWithoutChromium } from '../support/chromium.js';
import { ADMIN_TOKEN, startConsoleServer, type ConsoleServer } from '../console/console-server.js';

/**
 * Issue 10, "Sessions": the session runs out while the operator types a reply. Send takes them to the login;
 * after it they are back on the conversation with their text in the box, and the text goes once sent.
 */
describe('a reply typed when the console session ran out survives the login (browser)', function () {
  this.timeout(60_000);
  let server: ConsoleServer;
  let browser: Browser | null = null;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  before(async function () {
    skipWithoutChromium(this);
    server = await startConsoleServer();
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
    collectPageProblems(page, problems);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const logIn = async () => {
    await page.locator('input[name="token"]').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
  };

  it('goes back to the conversation with the typed reply, and forgets it once sent', async () => {
    const follower = server.account.follower();
    await follower.follow();
    await follower.sendText('Are you open on Sunday?');
    const thread = `/admin/conversations/${follower.openid}`;

    await page.goto(`${server.origin}/admin/login?next=${encodeURIComponent(thread)}`);
    await logIn();
    await page.waitForURL(new RegExp(`${thread}$`));
    const box = page.locator('form[data-reply] textarea');
    const draft = 'Yes, from ten to four.\nSee you!';
    await box.fill(draft);

    // The session runs out (here: the cookie is gone) while the text is in the box.
    await context.clearCookies();
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.waitForURL(/\/admin\/login\?next=/);
    expect(new URL(page.url()).searchParams.get('next')).to.equal(thread);
    expect(server.account.sentMessages.filter((m) => m.touser === follower.openid)).to.deep.equal([]);

    await logIn();
    await page.waitForURL(new RegExp(`${thread}$`));
    expect(await box.inputValue()).to.equal(draft);

    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.waitForURL(/\?sent=1$/);
    const sent = server.account.sentMessages.filter((m) => m.touser === follower.openid);
    // A form sends line breaks as CRLF.
    expect(sent.map((m) => m.body?.text?.content)).to.deep.equal([draft.replace(/\n/g, '\r\n')]);
    expect(await box.inputValue()).to.equal('');
    // Gone from storage too: opening the conversation again shows an empty box.
    await page.goto(`${server.origin}${thread}`);
    expect(await box.inputValue()).to.equal('');
    expect(problems).to.deep.equal([]);
  });
});
