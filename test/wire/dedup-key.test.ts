import { expect } from 'chai';
import { dedupKey, parseInbound } from '../../src/wire/index.js';
import { fixture } from './helpers.js';

const parse = (file: string) => parseInbound(fixture(`inbound/${file}`));

describe('wire/dedup-key', () => {
  it('keys a message by sender and MsgId, whatever else a retry changes', () => {
    const key = dedupKey(parse('message-text.xml'));
    expect(key).to.equal('message|oyORnuP8q7ou2gfYjqLzSIWZf0rs|6054768590064713728');
    const resent = fixture('inbound/message-text.xml').replace('1409735668', '1409735673');
    expect(dedupKey(parseInbound(resent))).to.equal(key);
  });

  it('keys two messages with the same MsgId from different users apart', () => {
    const other = fixture('inbound/message-text.xml').replace('oyORnuP8q7ou2gfYjqLzSIWZf0rs', 'oOTHER');
    expect(dedupKey(parseInbound(other))).not.to.equal(dedupKey(parse('message-text.xml')));
  });

  it('keys an event by FromUserName, CreateTime, Event and EventKey', () => {
    expect(dedupKey(parse('event-subscribe--qrscene.xml'))).to.equal(
      'event|FromUser|123456789|subscribe|qrscene_123123',
    );
    expect(dedupKey(parse('event-subscribe.xml'))).to.equal('event|FromUser|123456789|subscribe|');
    expect(dedupKey(parse('event-click.xml'))).to.not.equal(
      dedupKey(parseInbound(fixture('inbound/event-click.xml').replace('V1001_TODAY_MUSIC', 'OTHER'))),
    );
  });

  it('tells a subscribe from an unsubscribe in the same second', () => {
    expect(dedupKey(parse('event-subscribe.xml'))).not.to.equal(dedupKey(parse('event-unsubscribe.xml')));
  });

  it('gives the same key to an event sent with a different Event case', () => {
    const lower = fixture('inbound/event-scan.xml').replace('[SCAN]', '[scan]');
    expect(dedupKey(parseInbound(lower))).to.equal(dedupKey(parse('event-scan.xml')));
  });

  it('keys two template results for one user in one second apart by their MsgID', () => {
    const first = parse('event-templatesendjobfinish.xml');
    const second = parseInbound(
      fixture('inbound/event-templatesendjobfinish.xml').replace('200163836', '200163837'),
    );
    expect(dedupKey(first)).to.equal(
      'event|oia2TjuEGTNoeX76QEjQNrcURxG8|1395658920|TEMPLATESENDJOBFINISH|200163836',
    );
    expect(dedupKey(second)).not.to.equal(dedupKey(first));
  });

  it('keys unknown kinds by the id or EventKey they carry', () => {
    expect(dedupKey(parse('message-unknown--miniprogrampage.xml'))).to.equal(
      'message|oUSER_OPENID|7300000000000000001',
    );
    expect(dedupKey(parse('event-unknown--debug_demo.xml'))).to.equal(
      'event|o9AgO5Kd5ggOC-bXrbNODIiE3bGY|1714112445|debug_demo|',
    );
    const withoutId = fixture('inbound/message-unknown--miniprogrampage.xml').replace(
      /<MsgId>.*<\/MsgId>/,
      '',
    );
    expect(dedupKey(parseInbound(withoutId))).to.equal('message|oUSER_OPENID|1700000000|miniprogrampage');
  });
});
