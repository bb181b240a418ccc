import { expect } from 'chai';
import { customMessageBody, type CustomMessage } from '../../src/wechat-api/index.js';
import type { Reply } from '../../src/wire/reply-types.js';

describe('customer-service message bodies', () => {
  const cases: Array<[CustomMessage, Record<string, unknown>]> = [
    [{ touser: 'o', type: 'text', content: 'Hello World' }, { text: { content: 'Hello World' } }],
    [{ touser: 'o', type: 'image', mediaId: 'M' }, { image: { media_id: 'M' } }],
    [{ touser: 'o', type: 'voice', mediaId: 'M' }, { voice: { media_id: 'M' } }],
    [
      { touser: 'o', type: 'video', mediaId: 'M', thumbMediaId: 'T', title: 'ti', description: 'de' },
      { video: { media_id: 'M', thumb_media_id: 'T', title: 'ti', description: 'de' } },
    ],
    [
      {
        touser: 'o',
        type: 'music',
        thumbMediaId: 'T',
        title: 'ti',
        description: 'de',
        musicUrl: 'http://m',
        hqMusicUrl: 'http://hq',
      },
      {
        music: {
          title: 'ti',
          description: 'de',
          musicurl: 'http://m',
          hqmusicurl: 'http://hq',
          thumb_media_id: 'T',
        },
      },
    ],
    [
      {
        touser: 'o',
        type: 'news',
        articles: [{ title: 'ti', description: 'de', url: 'http://u', picUrl: 'http://p' }],
      },
      { news: { articles: [{ title: 'ti', description: 'de', url: 'http://u', picurl: 'http://p' }] } },
    ],
    [{ touser: 'o', type: 'mpnewsarticle', articleId: 'A' }, { mpnewsarticle: { article_id: 'A' } }],
    [
      {
        touser: 'o',
        type: 'msgmenu',
        headContent: 'How was it?',
        list: [
          { id: '101', content: 'Good' },
          { id: '102', content: 'Bad' },
        ],
        tailContent: 'Thanks',
      },
      {
        msgmenu: {
          head_content: 'How was it?',
          list: [
            { id: '101', content: 'Good' },
            { id: '102', content: 'Bad' },
          ],
          tail_content: 'Thanks',
        },
      },
    ],
    [
      {
        touser: 'o',
        type: 'miniprogrampage',
        title: 'ti',
        appid: 'wxmini',
        pagepath: 'pages/i',
        thumbMediaId: 'T',
      },
      { miniprogrampage: { title: 'ti', appid: 'wxmini', pagepath: 'pages/i', thumb_media_id: 'T' } },
    ],
    [{ touser: 'o', type: 'wxcard', cardId: 'C' }, { wxcard: { card_id: 'C' } }],
  ];
  for (const [msg, payload] of cases) {
    it(`writes a ${msg.type} message with WeChat's field names (§6.7)`, () => {
      const wire = JSON.parse(JSON.stringify(customMessageBody(msg))) as unknown;
      expect(wire).to.deep.equal({ touser: 'o', msgtype: msg.type, ...payload });
    });
  }

  it('leaves out optional fields that were not given', () => {
    const wire = JSON.parse(
      JSON.stringify(customMessageBody({ touser: 'o', type: 'video', mediaId: 'M' })),
    ) as unknown;
    expect(wire).to.deep.equal({ touser: 'o', msgtype: 'video', video: { media_id: 'M' } });
  });

  it('adds customservice.kf_account when sent as an agent', () => {
    const body = customMessageBody({ touser: 'o', type: 'text', content: 'hi', kfAccount: 'test1@kftest' });
    expect(body['customservice']).to.deep.equal({ kf_account: 'test1@kftest' });
  });

  it('takes a passive reply object unchanged, so a late reply can be delivered as is', () => {
    const reply: Exclude<Reply, { type: 'transfer_customer_service' }> = { type: 'image', mediaId: 'M' };
    expect(customMessageBody({ ...reply, touser: 'o' })).to.deep.equal({
      touser: 'o',
      msgtype: 'image',
      image: { media_id: 'M' },
    });
  });
});
