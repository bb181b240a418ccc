import { expect } from 'chai';
import {
  FILTER_NAMES,
  filterName,
  MessageCrypto,
  parseEnvelope,
  parseInbound,
  type InboundMessage,
} from '../../src/wire/index.js';
import { expectWireError, fixture, fixtureNames, vector } from './helpers.js';

/** Each fixture of fixtures/inbound and exactly what it parses to (transcribed from the XML by hand). */
const EXPECTED: Record<string, InboundMessage> = {
  'message-text.xml': {
    ToUserName: 'gh_10f6c3c3ac5a',
    FromUserName: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs',
    CreateTime: 1409735668,
    MsgType: 'text',
    MsgId: '6054768590064713728',
    Content: 'abcdteT',
  },
  'message-text--from-article.xml': {
    ToUserName: 'gh_123456789abc',
    FromUserName: 'oUSER_OPENID',
    CreateTime: 1348831860,
    MsgType: 'text',
    MsgId: '1234567890123456',
    MsgDataId: '2247483650',
    Idx: 1,
    Content: 'this is a test',
  },
  'message-text--msgmenu-tap.xml': {
    ToUserName: 'gh_123456789abc',
    FromUserName: 'oUSER_OPENID',
    CreateTime: 1348831860,
    MsgType: 'text',
    MsgId: '1234567890123457',
    Content: '满意',
    bizmsgmenuid: '101',
  },
  'message-image.xml': {
    ToUserName: 'gh_123456789abc',
    FromUserName: 'oUSER_OPENID',
    CreateTime: 1348831860,
    MsgType: 'image',
    MsgId: '1234567890123456',
    PicUrl: 'http://mmbiz.qpic.cn/mmbiz_jpg/xxxx/0',
    MediaId: 'media_id',
  },
  'message-voice.xml': {
    ToUserName: 'gh_123456789abc',
    FromUserName: 'oUSER_OPENID',
    CreateTime: 1357290913,
    MsgType: 'voice',
    MsgId: '1234567890123456',
    MediaId: 'media_id',
    Format: 'amr',
    MediaId16K: 'media_id_16k',
    Recognition: '腾讯微信团队',
  },
  'message-video.xml': {
    ToUserName: 'gh_123456789abc',
    FromUserName: 'oUSER_OPENID',
    CreateTime: 1357290913,
    MsgType: 'video',
    MsgId: '1234567890123456',
    MediaId: 'media_id',
    ThumbMediaId: 'thumb_media_id',
  },
  'message-shortvideo.xml': {
    ToUserName: 'gh_123456789abc',
    FromUserName: 'oUSER_OPENID',
    CreateTime: 1357290913,
    MsgType: 'shortvideo',
    MsgId: '1234567890123456',
    MediaId: 'media_id',
    ThumbMediaId: 'thumb_media_id',
  },
  'message-location.xml': {
    ToUserName: 'gh_123456789abc',
    FromUserName: 'oUSER_OPENID',
    CreateTime: 1351776360,
    MsgType: 'location',
    MsgId: '1234567890123456',
    Location_X: 23.134521,
    Location_Y: 113.358803,
    Scale: 20,
    Label: '位置信息',
  },
  'message-link.xml': {
    ToUserName: 'gh_123456789abc',
    FromUserName: 'oUSER_OPENID',
    CreateTime: 1351776360,
    MsgType: 'link',
    MsgId: '1234567890123456',
    Title: '公众平台官网链接',
    Description: '公众平台官网链接',
    Url: 'url',
  },
  'message-unknown--miniprogrampage.xml': {
    ToUserName: 'gh_123456789abc',
    FromUserName: 'oUSER_OPENID',
    CreateTime: 1700000000,
    MsgType: 'unknown',
    OriginalMsgType: 'miniprogrampage',
    fields: {
      MsgId: '7300000000000000001',
      Title: 'A page',
      AppId: 'wxappid',
      PagePath: 'pages/index',
      ThumbUrl: 'http://example.com/thumb.jpg',
    },
  },
  'event-subscribe.xml': {
    ToUserName: 'toUser',
    FromUserName: 'FromUser',
    CreateTime: 123456789,
    MsgType: 'event',
    Event: 'subscribe',
  },
  'event-subscribe--qrscene.xml': {
    ToUserName: 'toUser',
    FromUserName: 'FromUser',
    CreateTime: 123456789,
    MsgType: 'event',
    Event: 'subscribe',
    EventKey: 'qrscene_123123',
    Ticket: 'TICKET',
  },
  'event-unsubscribe.xml': {
    ToUserName: 'toUser',
    FromUserName: 'FromUser',
    CreateTime: 123456789,
    MsgType: 'event',
    Event: 'unsubscribe',
  },
  'event-scan.xml': {
    ToUserName: 'toUser',
    FromUserName: 'FromUser',
    CreateTime: 123456789,
    MsgType: 'event',
    Event: 'SCAN',
    EventKey: '123123',
    Ticket: 'TICKET',
  },
  'event-location.xml': {
    ToUserName: 'toUser',
    FromUserName: 'fromUser',
    CreateTime: 123456789,
    MsgType: 'event',
    Event: 'LOCATION',
    Latitude: 23.137466,
    Longitude: 113.352425,
    Precision: 119.38504,
  },
  'event-click.xml': {
    ToUserName: 'toUser',
    FromUserName: 'FromUser',
    CreateTime: 123456789,
    MsgType: 'event',
    Event: 'CLICK',
    EventKey: 'V1001_TODAY_MUSIC',
  },
  'event-view.xml': {
    ToUserName: 'gh_36dd0f0b3132',
    FromUserName: 'oQW8FuN_DFnKZwBaUKQ1RJD2Tr9M',
    CreateTime: 1468050934,
    MsgType: 'event',
    Event: 'VIEW',
    EventKey: 'http://xw.qq.com/',
    MenuId: 410418124,
  },
  'event-view_miniprogram.xml': {
    ToUserName: 'toUser',
    FromUserName: 'FromUser',
    CreateTime: 123456789,
    MsgType: 'event',
    Event: 'view_miniprogram',
    EventKey: 'pages/index/index',
    MenuId: 410418124,
  },
  'event-scancode_push.xml': {
    ToUserName: 'gh_e136c6e50636',
    FromUserName: 'oMgHVjngRipVsoxg6TuX3vz6glDg',
    CreateTime: 1408090502,
    MsgType: 'event',
    Event: 'scancode_push',
    EventKey: '6',
    ScanCodeInfo: { ScanType: 'qrcode', ScanResult: '1' },
  },
  'event-scancode_waitmsg.xml': {
    ToUserName: 'gh_e136c6e50636',
    FromUserName: 'oMgHVjngRipVsoxg6TuX3vz6glDg',
    CreateTime: 1408090606,
    MsgType: 'event',
    Event: 'scancode_waitmsg',
    EventKey: '6',
    ScanCodeInfo: { ScanType: 'qrcode', ScanResult: '2' },
  },
  'event-pic_sysphoto.xml': {
    ToUserName: 'gh_e136c6e50636',
    FromUserName: 'oMgHVjngRipVsoxg6TuX3vz6glDg',
    CreateTime: 1408090651,
    MsgType: 'event',
    Event: 'pic_sysphoto',
    EventKey: '6',
    SendPicsInfo: { Count: 1, PicList: { item: [{ PicMd5Sum: '1b5f7c23b5bf75682a53e7b6d163e185' }] } },
  },
  'event-pic_photo_or_album.xml': {
    ToUserName: 'gh_e136c6e50636',
    FromUserName: 'oMgHVjngRipVsoxg6TuX3vz6glDg',
    CreateTime: 1408090816,
    MsgType: 'event',
    Event: 'pic_photo_or_album',
    EventKey: '6',
    SendPicsInfo: {
      Count: 2,
      PicList: {
        item: [
          { PicMd5Sum: '5a75aaca956d97be686719218f275c6b' },
          { PicMd5Sum: '1b5f7c23b5bf75682a53e7b6d163e185' },
        ],
      },
    },
  },
  'event-pic_weixin.xml': {
    ToUserName: 'gh_e136c6e50636',
    FromUserName: 'oMgHVjngRipVsoxg6TuX3vz6glDg',
    CreateTime: 1408090816,
    MsgType: 'event',
    Event: 'pic_weixin',
    EventKey: '6',
    SendPicsInfo: { Count: 1, PicList: { item: [{ PicMd5Sum: '5a75aaca956d97be686719218f275c6b' }] } },
  },
  'event-location_select.xml': {
    ToUserName: 'gh_e136c6e50636',
    FromUserName: 'oMgHVjngRipVsoxg6TuX3vz6glDg',
    CreateTime: 1408091189,
    MsgType: 'event',
    Event: 'location_select',
    EventKey: '6',
    SendLocationInfo: {
      Location_X: 23,
      Location_Y: 113,
      Scale: 15,
      Label: '广州市海珠区客村艺苑路 106号',
      Poiname: '',
    },
  },
  'event-templatesendjobfinish.xml': {
    ToUserName: 'gh_7f083739789a',
    FromUserName: 'oia2TjuEGTNoeX76QEjQNrcURxG8',
    CreateTime: 1395658920,
    MsgType: 'event',
    Event: 'TEMPLATESENDJOBFINISH',
    MsgID: '200163836',
    Status: 'success',
  },
  'event-masssendjobfinish.xml': {
    ToUserName: 'gh_4d00ed8d6399',
    FromUserName: 'oV5CrjpxgaGXNHIQigzNlgLTnwic',
    CreateTime: 1481013459,
    MsgType: 'event',
    Event: 'MASSSENDJOBFINISH',
    MsgID: '1000001625',
    Status: 'err(30003)',
    TotalCount: 0,
    FilterCount: 0,
    SentCount: 0,
    ErrorCount: 0,
    CopyrightCheckResult: {
      Count: '2',
      ResultList: {
        item: [
          {
            ArticleIdx: '1',
            UserDeclareState: '0',
            AuditState: '2',
            OriginalArticleUrl: 'Url_1',
            OriginalArticleType: '1',
            CanReprint: '1',
            NeedReplaceContent: '1',
            NeedShowReprintSource: '1',
          },
        ],
      },
      CheckState: '2',
    },
    ArticleUrlResult: { Count: '1', ResultList: { item: [{ ArticleIdx: '1', ArticleUrl: 'Url' }] } },
  },
  'event-subscribe_msg_popup_event.xml': {
    ToUserName: 'gh_123456789abc',
    FromUserName: 'otFpruAK8D-E6EfStSYonYSBZ8_4',
    CreateTime: 1610969440,
    MsgType: 'event',
    Event: 'subscribe_msg_popup_event',
    SubscribeMsgPopupEvent: {
      List: [
        {
          TemplateId: 'VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc',
          SubscribeStatusString: 'accept',
          PopupScene: 2,
        },
        {
          TemplateId: '9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI',
          SubscribeStatusString: 'reject',
          PopupScene: 2,
        },
      ],
    },
  },
  'event-subscribe_msg_change_event.xml': {
    ToUserName: 'gh_123456789abc',
    FromUserName: 'otFpruAK8D-E6EfStSYonYSBZ8_4',
    CreateTime: 1610969440,
    MsgType: 'event',
    Event: 'subscribe_msg_change_event',
    SubscribeMsgChangeEvent: {
      List: [{ TemplateId: 'VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc', SubscribeStatusString: 'reject' }],
    },
  },
  'event-subscribe_msg_change_event--popup-wrapper.xml': {
    ToUserName: 'gh_123456789abc',
    FromUserName: 'otFpruAK8D-E6EfStSYonYSBZ8_4',
    CreateTime: 1610969440,
    MsgType: 'event',
    Event: 'subscribe_msg_change_event',
    SubscribeMsgChangeEvent: {
      List: [{ TemplateId: 'VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc', SubscribeStatusString: 'reject' }],
    },
  },
  'event-subscribe_msg_sent_event.xml': {
    ToUserName: 'gh_123456789abc',
    FromUserName: 'otFpruAK8D-E6EfStSYonYSBZ8_4',
    CreateTime: 1610969468,
    MsgType: 'event',
    Event: 'subscribe_msg_sent_event',
    SubscribeMsgSentEvent: {
      List: [
        {
          TemplateId: 'VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc',
          MsgID: '1700827132819554304',
          ErrorCode: 0,
          ErrorStatus: 'success',
        },
      ],
    },
  },
  'event-kf_create_session.xml': {
    ToUserName: 'touser',
    FromUserName: 'fromuser',
    CreateTime: 1399197672,
    MsgType: 'event',
    Event: 'kf_create_session',
    KfAccount: 'test1@test',
  },
  'event-kf_close_session.xml': {
    ToUserName: 'touser',
    FromUserName: 'fromuser',
    CreateTime: 1399197672,
    MsgType: 'event',
    Event: 'kf_close_session',
    KfAccount: 'test1@test',
  },
  'event-kf_switch_session.xml': {
    ToUserName: 'touser',
    FromUserName: 'fromuser',
    CreateTime: 1399197672,
    MsgType: 'event',
    Event: 'kf_switch_session',
    FromKfAccount: 'test1@test',
    ToKfAccount: 'test2@test',
  },
  'event-unknown--debug_demo.xml': {
    ToUserName: 'gh_97417a04a28d',
    FromUserName: 'o9AgO5Kd5ggOC-bXrbNODIiE3bGY',
    CreateTime: 1714112445,
    MsgType: 'event',
    Event: 'unknown',
    OriginalEvent: 'debug_demo',
    fields: { debug_str: 'hello world', Nested: { Item: ['1', '2'] } },
  },
};

const HEADER = '<ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName>';
const push = (inner: string, createTime = '1700000000') =>
  `<xml>${HEADER}<CreateTime>${createTime}</CreateTime>${inner}</xml>`;
const event = (name: string, extra = '') =>
  push(`<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${name}]]></Event>${extra}`);
const text = (content: string, extra = '<MsgId>1</MsgId>') =>
  push(`<MsgType><![CDATA[text]]></MsgType><Content>${content}</Content>${extra}`);

/** A "billion laughs" body: ten levels of ten references, 10^9 'lol's if anything expanded it. */
function billionLaughs(): string {
  let dtd = '<!ENTITY lol "lol">';
  for (let i = 1; i <= 9; i++) {
    dtd += `<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`;
  }
  return `<?xml version="1.0"?><!DOCTYPE xml [${dtd}]>${text('&lol9;')}`;
}

describe('wire/inbound', () => {
  describe('parseInbound on fixtures/inbound', () => {
    const files = fixtureNames('inbound');

    for (const file of files) {
      it(`parses ${file} into exactly its typed fields`, () => {
        const expected = EXPECTED[file];
        expect(expected, `add ${file} to EXPECTED`).not.to.equal(undefined);
        expect(parseInbound(fixture(`inbound/${file}`))).to.deep.equal(expected);
      });
    }

    it('holds a fixture for every filter name, named after it', () => {
      for (const file of files) {
        const name = file.replace(/(--.*)?\.xml$/, '').replace('-', ':');
        expect(filterName(parseInbound(fixture(`inbound/${file}`))), file).to.equal(name);
      }
      const covered = new Set(files.map((f) => f.replace(/(--.*)?\.xml$/, '').replace('-', ':')));
      expect(FILTER_NAMES.filter((n) => !covered.has(n))).to.deep.equal([]);
    });
  });

  describe('the typed union', () => {
    it('narrows on MsgType and then on Event', () => {
      const seen: string[] = [];
      for (const file of ['message-text.xml', 'event-subscribe--qrscene.xml', 'event-location.xml']) {
        const m = parseInbound(fixture(`inbound/${file}`));
        // These lines compile only if narrowing works: Content exists on text, EventKey on subscribe.
        if (m.MsgType === 'text') seen.push(m.Content);
        if (m.MsgType === 'event' && m.Event === 'subscribe') seen.push(m.EventKey ?? '');
        if (m.MsgType === 'event' && m.Event === 'LOCATION') seen.push(String(m.Latitude));
      }
      expect(seen).to.deep.equal(['abcdteT', 'qrscene_123123', '23.137466']);
    });

    it('keeps a 64-bit MsgId exactly, which a number would round', () => {
      const m = parseInbound(fixture('inbound/message-text.xml'));
      expect(m.MsgType === 'text' && m.MsgId).to.equal('6054768590064713728');
      expect(String(Number('6054768590064713728'))).not.to.equal('6054768590064713728');
    });

    it('normalises a message’s MsgID spelling to MsgId', () => {
      const m = parseInbound(text('<![CDATA[hi]]>', '<MsgID>6054768590064713728</MsgID>'));
      expect(m).to.include({ MsgType: 'text', MsgId: '6054768590064713728' });
      expect(m).not.to.have.property('MsgID');
    });

    it('reads job-finish ids spelled MsgId as MsgID', () => {
      const m = parseInbound(event('TEMPLATESENDJOBFINISH', '<MsgId>42</MsgId><Status>success</Status>'));
      expect(m).to.include({ Event: 'TEMPLATESENDJOBFINISH', MsgID: '42' });
    });
  });

  describe('event names', () => {
    const cases: [string, string][] = [
      ['SUBSCRIBE', 'subscribe'],
      ['Unsubscribe', 'unsubscribe'],
      ['scan', 'SCAN'],
      ['click', 'CLICK'],
      ['View', 'VIEW'],
      ['location', 'LOCATION'],
      ['templatesendjobfinish', 'TEMPLATESENDJOBFINISH'],
      ['MassSendJobFinish', 'MASSSENDJOBFINISH'],
      ['SCANCODE_PUSH', 'scancode_push'],
      ['KF_CREATE_SESSION', 'kf_create_session'],
    ];
    const extras =
      '<EventKey>k</EventKey><Latitude>1</Latitude><Longitude>2</Longitude><Precision>3</Precision>' +
      '<ScanCodeInfo><ScanType>qrcode</ScanType><ScanResult>r</ScanResult></ScanCodeInfo><KfAccount>a@b</KfAccount>' +
      '<MsgID>1</MsgID><Status>ok</Status><TotalCount>1</TotalCount><FilterCount>1</FilterCount>' +
      '<SentCount>1</SentCount><ErrorCount>0</ErrorCount>';

    for (const [sent, canonical] of cases) {
      it(`matches '${sent}' case-insensitively and normalises it to '${canonical}'`, () => {
        expect(parseInbound(event(sent, extras))).to.include({ MsgType: 'event', Event: canonical });
      });
    }

    it('matches MsgType case-insensitively too', () => {
      expect(parseInbound(text('hi').replace('[text]', '[TEXT]'))).to.include({
        MsgType: 'text',
        Content: 'hi',
      });
    });

    it('turns an unknown event into the unknown variant with its fields, never an exception', () => {
      const m = parseInbound(event('user_enter_tempsession', '<SessionFrom><![CDATA[x]]></SessionFrom>'));
      expect(m).to.deep.equal({
        ToUserName: 'gh_1',
        FromUserName: 'oUser',
        CreateTime: 1700000000,
        MsgType: 'event',
        Event: 'unknown',
        OriginalEvent: 'user_enter_tempsession',
        fields: { SessionFrom: 'x' },
      });
    });
  });

  describe('values', () => {
    it('reads CDATA and bare values alike, trimming bare text only', () => {
      expect(parseInbound(text('hi'))).to.include({ Content: 'hi' });
      expect(parseInbound(text('\n  hi  \n'))).to.include({ Content: 'hi' });
      expect(parseInbound(text('<![CDATA[  hi  ]]>'))).to.include({ Content: '  hi  ' });
      expect(parseInbound(text('<![CDATA[]]>'))).to.include({ Content: '' });
      expect(parseInbound(push('<MsgType>text</MsgType><Content/><MsgId>1</MsgId>'))).to.include({
        Content: '',
      });
    });

    it('reads numbers sent in CDATA and in bare text', () => {
      const m = parseInbound(
        push(
          '<MsgType>location</MsgType><Location_X><![CDATA[23.5]]></Location_X><Location_Y> 113 </Location_Y>' +
            '<Scale>20</Scale><Label>x</Label><MsgId>1</MsgId>',
          '\n 1700000000 \n',
        ),
      );
      expect(m).to.include({ CreateTime: 1700000000, Location_X: 23.5, Location_Y: 113, Scale: 20 });
    });

    it('decodes the predefined entities in bare text, and nothing inside CDATA', () => {
      expect(parseInbound(text('a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;'))).to.include({
        Content: 'a & b <c> "d" \'e\'',
      });
      expect(parseInbound(text('<![CDATA[a &amp; b]]>'))).to.include({ Content: 'a &amp; b' });
    });

    it('joins a CDATA section split around "]]>" back into one value', () => {
      expect(parseInbound(text('<![CDATA[a]]]]><![CDATA[>b]]>'))).to.include({ Content: 'a]]>b' });
    });

    it('accepts an XML declaration, a BOM-free prolog comment and CRLF line ends', () => {
      const xml =
        '<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- pushed -->\r\n' + text('<![CDATA[a\r\nb]]>');
      expect(parseInbound(xml)).to.include({ Content: 'a\nb' });
    });

    it('makes a single repeated element an array, and an absent or empty list an empty one', () => {
      const one = parseInbound(
        event(
          'subscribe_msg_popup_event',
          '<SubscribeMsgPopupEvent><List><TemplateId>t</TemplateId>' +
            '<SubscribeStatusString>accept</SubscribeStatusString><PopupScene>1</PopupScene></List></SubscribeMsgPopupEvent>',
        ),
      );
      expect(one).to.deep.include({
        SubscribeMsgPopupEvent: {
          List: [{ TemplateId: 't', SubscribeStatusString: 'accept', PopupScene: 1 }],
        },
      });
      const none = parseInbound(
        event(
          'pic_weixin',
          '<EventKey>6</EventKey><SendPicsInfo><Count>0</Count><PicList></PicList></SendPicsInfo>',
        ),
      );
      expect(none).to.deep.include({ SendPicsInfo: { Count: 0, PicList: { item: [] } } });
      const absent = parseInbound(event('subscribe_msg_sent_event'));
      expect(absent).to.deep.include({ SubscribeMsgSentEvent: { List: [] } });
    });

    it('leaves out an optional number WeChat sends as a placeholder', () => {
      const m = parseInbound(text('hi', '<MsgId>1</MsgId><MsgDataId>22</MsgDataId><Idx>xxxx</Idx>'));
      expect(m).to.include({ MsgDataId: '22' });
      expect(m).not.to.have.property('Idx');
    });

    it('keeps an empty EventKey on a plain subscribe as sent', () => {
      expect(parseInbound(event('subscribe', '<EventKey><![CDATA[]]></EventKey>'))).to.include({
        EventKey: '',
      });
    });
  });

  describe('rejections (WireError "xml")', () => {
    it('rejects a billion-laughs body at once, without expanding it', () => {
      // Refused for its DOCTYPE, before any entity is read (a time bound would only measure the machine's load).
      expectWireError(() => parseInbound(billionLaughs()), 'xml', { code: -40002, message: /DOCTYPE/ });
    });

    it('rejects DOCTYPE or ENTITY declarations anywhere, in any case', () => {
      const bodies = [
        '<!DOCTYPE xml SYSTEM "file:///etc/passwd">' + text('hi'),
        '<!doctype xml>' + text('hi'),
        push('<!ENTITY x "y"><MsgType>text</MsgType><Content>&x;</Content><MsgId>1</MsgId>'),
        '<xml><!DOCTYPE x [<!ENTITY e "v">]>' + text('&e;').slice(5),
      ];
      for (const body of bodies) expectWireError(() => parseInbound(body), 'xml', { message: /DOCTYPE/ });
    });

    it('accepts a user’s text that merely mentions <!DOCTYPE inside CDATA', () => {
      const m = parseInbound(text('<![CDATA[<!DOCTYPE html><!ENTITY x "y">]]>'));
      expect(m).to.include({ Content: '<!DOCTYPE html><!ENTITY x "y">' });
    });

    it('rejects attributes, which could hide a declaration behind a quoted CDATA opener', () => {
      // Without the rule a scan would stop the tag at the quoted '>' and take `<![CDATA[` for real.
      const body = `<xml><a x=">" y="<![CDATA["/><!DOCTYPE y [<!ENTITY e "v">]><b>]]></b>${HEADER}</xml>`;
      expectWireError(() => parseInbound(body), 'xml', { message: /attributes/ });
    });

    it('rejects a body whose root is not a single <xml>', () => {
      for (const body of [
        '',
        'success',
        '{"MsgType":"text"}',
        text('hi').replace(/xml>/g, 'root>'),
        text('hi') + text('hi'),
      ]) {
        expectWireError(() => parseInbound(body), 'xml', { message: /root/ });
      }
    });

    it('rejects a body that is not well-formed', () => {
      expectWireError(() => parseInbound('<xml><Content><![CDATA[x</Content></xml>'), 'xml', {
        message: /CDATA/,
      });
      expectWireError(() => parseInbound('<xml><__proto__>1</__proto__></xml>'), 'xml');
    });

    for (const field of ['ToUserName', 'FromUserName', 'CreateTime', 'MsgType']) {
      it(`rejects a push without ${field}`, () => {
        const body = text('hi').replace(new RegExp(`<${field}>.*?</${field}>`), '');
        expectWireError(() => parseInbound(body), 'xml', { message: new RegExp(field) });
      });
    }

    it('rejects a CreateTime that is not Unix seconds', () => {
      for (const t of ['abc', '-1', '1.5', '']) {
        expectWireError(() => parseInbound(text('hi').replace('1700000000', t)), 'xml', {
          message: /CreateTime/,
        });
      }
    });

    it('rejects a known kind lacking a field WeChat always sends, naming it', () => {
      expectWireError(() => parseInbound(push('<MsgType>text</MsgType><MsgId>1</MsgId>')), 'xml', {
        message: /text message lacks <Content>/,
      });
      expectWireError(() => parseInbound(text('hi', '')), 'xml', { message: /lacks <MsgId>/ });
      expectWireError(() => parseInbound(event('CLICK')), 'xml', { message: /CLICK event lacks <EventKey>/ });
      expectWireError(() => parseInbound(event('SCAN')), 'xml', { message: /EventKey/ });
    });

    it('rejects a required number that is not one', () => {
      const body = event(
        'LOCATION',
        '<Latitude>north</Latitude><Longitude>1</Longitude><Precision>1</Precision>',
      );
      expectWireError(() => parseInbound(body), 'xml', { message: /<Latitude> .* must be a number/ });
    });

    it('rejects a text field sent twice or with children', () => {
      expectWireError(() => parseInbound(text('a', '<Content>b</Content><MsgId>1</MsgId>')), 'xml', {
        message: /Content/,
      });
      expectWireError(() => parseInbound(text('<b>x</b>')), 'xml', { message: /single text element/ });
    });
  });

  describe('an encrypted push', () => {
    const v = vector('oa-official-sample-spamtest');

    it('decrypts the official sample into a text message with its 64-bit MsgId', () => {
      const crypto = new MessageCrypto(v.encodingAESKey as string, v.appId as string);
      expect(parseInbound(crypto.decrypt(v.encrypt as string))).to.deep.equal(EXPECTED['message-text.xml']);
    });

    it('reads a compatible-mode body both ways: plaintext fields and the Encrypt envelope', () => {
      const body = (v.plaintext as string).replace(
        '</xml>',
        `<Encrypt><![CDATA[${v.encrypt}]]></Encrypt>\n</xml>`,
      );
      expect(parseInbound(body)).to.deep.equal(EXPECTED['message-text.xml']);
      expect(parseEnvelope(body)).to.deep.equal({ ToUserName: 'gh_10f6c3c3ac5a', Encrypt: v.encrypt });
    });
  });

  describe('parseEnvelope', () => {
    const encrypt = vector('official-doc-safe-mode-inbound').encrypt as string;

    it('reads a safe-mode body', () => {
      const body = `<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
      expect(parseEnvelope(body)).to.deep.equal({ ToUserName: 'gh_97417a04a28d', Encrypt: encrypt });
    });

    it('reads it with a declaration, line breaks, bare values and either order', () => {
      const body = `<?xml version="1.0"?>\n<xml>\n  <Encrypt>${encrypt}</Encrypt>\n  <ToUserName>gh_1</ToUserName>\n</xml>\n`;
      expect(parseEnvelope(body)).to.deep.equal({ ToUserName: 'gh_1', Encrypt: encrypt });
    });

    it('reads a third-party-platform body, which names the account by AppId', () => {
      const body = `<xml><AppId><![CDATA[wxcomponent]]></AppId><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
      expect(parseEnvelope(body)).to.deep.equal({ AppId: 'wxcomponent', Encrypt: encrypt });
    });

    it('takes the top-level Encrypt, not one a user typed into a compatible-mode Content', () => {
      const body = text(
        `<![CDATA[<Encrypt>FAKE</Encrypt>]]>`,
        `<MsgId>1</MsgId><Encrypt><![CDATA[${encrypt}]]></Encrypt>`,
      );
      expect(parseEnvelope(body).Encrypt).to.equal(encrypt);
    });

    it('rejects a body without Encrypt, or with an empty one', () => {
      expectWireError(() => parseEnvelope(text('hi')), 'xml', { message: /no <Encrypt>/ });
      expectWireError(
        () => parseEnvelope('<xml><ToUserName>gh</ToUserName><Encrypt></Encrypt></xml>'),
        'xml',
      );
    });

    it('rejects declarations and bodies that are not <xml>', () => {
      expectWireError(() => parseEnvelope(billionLaughs()), 'xml', { message: /DOCTYPE/ });
      expectWireError(() => parseEnvelope(`<root><Encrypt>${encrypt}</Encrypt></root>`), 'xml', {
        message: /root/,
      });
    });
  });
});
