import { expect } from 'chai';
import { type Browser, type Page } from 'playwright-core';
import { collectPageProblems, launchChromium, skipWithoutChromium } from '../support/chromium.js';
import type { Follower as SimFollowerState } from '../../src/simulator/follower.js';
import { ADMIN_TOKEN, startConsoleServer, type ConsoleServer } from '../console/console-server.js';

/**
 * Issue 14 in the browser: the operator creates a tag on the Tags page, puts it on a follower from the
 * follower page (a chip appears, WeChat has it), sets a remark, blocks another follower, and tags every
 * follower of a scene from the Followers search, watching the job finish.
 */
describe('tags, remarks and the blacklist from the console (browser)', function () {
  this.timeout(90_000);
  let server: ConsoleServer;
  let browser: Browser | null = null;
  let page: Page;
  const problems: string[] = [];

  before(async function () {
    skipWithoutChromium(this);
    server = await startConsoleServer();
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    collectPageProblems(page, problems);
    await page.goto(`${server.origin}/admin/login`);
    await page.locator('input[name="token"]').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/admin\//);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const sim = (openid: string) => server.account.follower(openid) as unknown as SimFollowerState;

  it('tags a follower, sets a remark and blocks another one', async () => {
    const alice = server.account.follower();
    const bob = server.account.follower();
    await alice.follow({ scene: 'fair' });
    await bob.follow({ scene: 'fair' });

    await page.goto(`${server.origin}/admin/tags`);
    await page.getByLabel('Name').fill('VIP');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/admin\/tags\?done=created$/);
    await expect(page.locator('table[data-table="tags"]')).to.exist;
    expect(await page.locator('table[data-table="tags"] [data-field="name"]').allTextContents()).to.include(
      'VIP',
    );

    await page.goto(`${server.origin}/admin/followers/${alice.openid}`);
    await page.getByLabel('Add a tag').selectOption({ label: 'VIP' });
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.waitForURL(/done=tag$/);
    await page.locator('[data-field="tag-chips"] .tag', { hasText: 'VIP' }).waitFor();
    const vip = (await server.wxoa.followerAdmin.storedTags(server.account.appid)).find(
      (t) => t.name === 'VIP',
    )!;
    expect(sim(alice.openid).tagIds).to.include(vip.id);

    await page.getByLabel(/^Remark/).fill('met at the fair');
    await page.getByRole('button', { name: 'Save remark' }).click();
    await page.waitForURL(/done=remark$/);
    expect(sim(alice.openid).remark).to.equal('met at the fair');
    // Over 30 bytes: refused with the reason, nothing changed in WeChat.
    await page.getByLabel(/^Remark/).fill('一二三四五六七八九十一');
    await page.getByRole('button', { name: 'Save remark' }).click();
    await page.getByText(/33 bytes of UTF-8/).waitFor();
    expect(sim(alice.openid).remark).to.equal('met at the fair');
    // The refused form is answered 400, which the browser reports: expected here, and only here.
    expect(problems.splice(0)).to.deep.equal([
      'console: Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);

    // Remove the chip again, then put it back.
    await page.goto(`${server.origin}/admin/followers/${alice.openid}`);
    await page.getByRole('button', { name: 'Remove tag VIP' }).click();
    await page.waitForURL(/done=untag$/);
    expect(sim(alice.openid).tagIds).to.not.include(vip.id);
    expect(await page.locator('[data-field="tag-chips"] .tag').count()).to.equal(0);

    await page.goto(`${server.origin}/admin/followers/${bob.openid}`);
    await page.getByRole('button', { name: 'Block' }).click();
    await page.waitForURL(/done=blacklist$/);
    await page.locator('[data-field="blacklisted"] .tag', { hasText: 'blocked' }).waitFor();
    expect(sim(bob.openid).blacklisted).to.equal(true);
    await page.getByRole('button', { name: 'Unblock' }).click();
    await page.waitForURL(/done=unblacklist$/);
    expect(sim(bob.openid).blacklisted).to.equal(false);
    expect(problems).to.deep.equal([]);
  });

  it('tags every follower of a scene from the Followers search and shows the job finish', async () => {
    for (let i = 0; i < 60; i++) await server.account.follower().follow({ scene: 'spring' });
    await page.goto(`${server.origin}/admin/followers?scene=spring`);
    await page.getByLabel('Tag every follower in this list with').selectOption({ label: 'VIP' });
    await page.getByRole('button', { name: 'Tag all', exact: true }).click();
    await page.waitForURL(/\/admin\/jobs\/\d+$/);
    await page.locator('[data-job-state="done"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-count="done"]').textContent()).to.equal('60');
    const vip = (await server.wxoa.followerAdmin.storedTags(server.account.appid)).find(
      (t) => t.name === 'VIP',
    )!;
    const tagged = server.account.followers().filter((o) => sim(o).tagIds.includes(vip.id));
    expect(tagged).to.have.length(60);

    await page.goto(`${server.origin}/admin/tags`);
    const count = page.locator(`tr[data-tag="${vip.id}"] [data-field="count"]`);
    expect((await count.textContent())?.trim()).to.equal('60');
    expect(problems).to.deep.equal([]);
  });
});
