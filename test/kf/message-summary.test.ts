import { expect } from 'chai';
import { CONVERSATION_KINDS, summarizeInbound } from '../../src/kf/message-summary.js';
import { parseInbound } from '../../src/wire/index.js';

function eventXml(event: string, extra = ''): string {
  return (
    '<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[oSummary]]></FromUserName>' +
    `<CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${event}]]></Event>` +
    `${extra}</xml>`
  );
}

describe('message summary table', () => {
  it('makes every message a follower sends, and a menu click, conversation, and nothing else', () => {
    expect(CONVERSATION_KINDS).to.deep.equal([
      'message:text',
      'message:image',
      'message:voice',
      'message:video',
      'message:shortvideo',
      'message:location',
      'message:link',
      'event:click',
    ]);
  });

  it('summarizes a menu click by its key and leaves a view or an event of an unknown kind out', () => {
    expect(
      summarizeInbound(parseInbound(eventXml('CLICK', '<EventKey><![CDATA[MENU_A]]></EventKey>'))),
    ).to.deep.equal({ type: 'event:CLICK', content: 'MENU_A' });
    expect(
      summarizeInbound(parseInbound(eventXml('VIEW', '<EventKey><![CDATA[https://e.x/]]></EventKey>'))),
    ).to.equal(null);
    expect(summarizeInbound(parseInbound(eventXml('brand_new_event')))).to.equal(null);
  });
});
