import { chromium } from 'playwright-core';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ADMIN_TOKEN, startConsoleServer } from './console-server.js';
import { createLoginLink } from '../../src/http/console/index.js';
it('shots', async function () {
  this.timeout(120000);
  const server = await startConsoleServer({
    configFile: {
      replies: {
        subscribe: { type: 'text', content: 'Welcome!' },
        scenes: { spring: { type: 'text', content: 'Welcome, spring visitor' } },
        clicks: { MENU_HELP: { type: 'text', content: 'How can we help?' } },
      },
      menu: 'menu.json',
    },
    files: {
      'menu.json': JSON.stringify({
        button: [
          { type: 'click', name: 'Help', key: 'MENU_HELP' },
          {
            name: 'Shop',
            sub_button: [
              { type: 'view', name: 'Website', url: 'https://example.com/' },
              { type: 'view', name: 'My orders', oauth: { scope: 'snsapi_base', target: '/orders' } },
            ],
          },
          { type: 'click', name: 'About us' },
        ],
      }),
    },
  });
  const names = ['spring', 'spring', 'spring', 'summer-fair', 'summer-fair', 'poster-42'];
  const fs = [];
  for (const s of names) {
    const f = server.account.follower();
    await f.follow({ scene: s });
    fs.push(f);
  }
  await fs[0]!.sendText('Hi! Do you deliver to Hangzhou?');
  await fs[3]!.sendText('What time do you open tomorrow?');
  await fs[1]!.click('MENU_HELP');
  await fs[2]!.unfollow();
  await fs[4]!.scan('spring');
  await new Promise((r) => setTimeout(r, 1500));
  await server.wxoa.conversations.sendText(
    server.account.appid,
    fs[0]!.openid,
    'Yes, we deliver to Hangzhou in 2 days.',
    'operator',
  );
  await fs[0]!.sendText('Great, thank you!');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  for (const [w, h, tag] of [
    [1280, 860, 'desk'],
    [390, 844, 'phone'],
  ] as const) {
    const ctx = await browser.newContext({ viewport: { width: w, height: h }, deviceScaleFactor: 1 });
    const page = await ctx.newPage();
    await page.goto(await createLoginLink(server.wxoa, server.origin));
    for (const p of [
      '/admin/followers',
      `/admin/followers/${fs[0]!.openid}`,
      '/admin/conversations',
      `/admin/conversations/${fs[0]!.openid}`,
      '/admin/campaigns',
      '/admin/menu',
      `/admin/simulator?as=${fs[0]!.openid}`,
      '/admin/nothing',
      '/admin/login',
    ]) {
      await page.goto(server.origin + p);
      await page.screenshot({
        path: `/tmp/shots/${tag}-${p.split('/')[2] ?? 'x'}${p.split('/')[3] ? '-detail' : ''}.png`,
        fullPage: true,
      });
    }
    await page.goto(server.origin + '/admin/campaigns');
    await page.getByLabel('Scene', { exact: true }).fill('autumn-poster');
    await page.getByRole('button', { name: 'Create QR code' }).click();
    await page.waitForLoadState('load');
    await page.screenshot({ path: `/tmp/shots/${tag}-qr.png`, fullPage: true });
    await page.goto(server.origin + '/admin/campaigns');
    await page.getByLabel('Scene', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Create QR code' }).click();
    await page.waitForLoadState('load');
    await page.screenshot({ path: `/tmp/shots/${tag}-qr-error.png`, fullPage: true });
    await ctx.close();
  }
  await browser.close();
  await server.close();
});
