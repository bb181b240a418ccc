import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createApp } from '../../examples/koa-app.js';
import { eventXml, sendPush, textXml } from '../support/push.js';

const account = {
  appid: 'wx0123456789abcdef',
  token: 'readmetoken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};

describe("the README's embedding example (examples/koa-app.ts)", () => {
  let server: Server;
  let url: string;

  before(async () => {
    server = createApp(account).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wechat`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  it('welcomes a follow through the spring QR scene, in safe mode', async () => {
    const xml = eventXml({ from: 'oReadme1', event: 'subscribe', eventKey: 'qrscene_spring', ticket: 'T' });
    const answer = await sendPush(url, account, xml, { mode: 'safe' });
    expect(answer.encrypted).to.equal(true);
    expect(answer.reply).to.include({ MsgType: 'text', Content: 'Welcome from the spring campaign!' });
  });

  it('answers a scan of the same scene too', async () => {
    const xml = eventXml({ from: 'oReadme1', event: 'SCAN', eventKey: 'spring', ticket: 'T' });
    const answer = await sendPush(url, account, xml);
    expect(answer.reply).to.include({ Content: 'Welcome from the spring campaign!' });
  });

  it('answers "order 42" with the captured number, in plaintext', async () => {
    const answer = await sendPush(url, account, textXml({ from: 'oReadme2', content: 'order 42' }));
    expect(answer.encrypted).to.equal(false);
    expect(answer.reply).to.include({ ToUserName: 'oReadme2', Content: 'Looking up order 42…' });
  });

  it('answers the MENU_HELP click with a news article', async () => {
    const answer = await sendPush(
      url,
      account,
      eventXml({ from: 'oReadme3', event: 'CLICK', eventKey: 'MENU_HELP' }),
    );
    expect(answer.reply).to.include({ MsgType: 'news', ArticleCount: '1', Title: 'Help' });
  });

  it('answers anything else with success', async () => {
    const answer = await sendPush(url, account, textXml({ from: 'oReadme4', content: 'hello' }));
    expect(answer.status).to.equal(200);
    expect(answer.body).to.equal('success');
  });
});
