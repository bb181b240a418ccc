import { expect } from 'chai';
import {
  EVENT_TYPES,
  FILTER_NAMES,
  filterName,
  isFilterName,
  MESSAGE_TYPES,
  parseInbound,
} from '../../src/wire/index.js';
import { fixture } from './helpers.js';

describe('wire/filter-name', () => {
  it('names messages by MsgType and events by their lower-cased Event', () => {
    expect(filterName(parseInbound(fixture('inbound/message-text.xml')))).to.equal('message:text');
    expect(filterName(parseInbound(fixture('inbound/event-subscribe.xml')))).to.equal('event:subscribe');
    expect(filterName(parseInbound(fixture('inbound/event-scan.xml')))).to.equal('event:scan');
    expect(filterName(parseInbound(fixture('inbound/event-click.xml')))).to.equal('event:click');
    expect(filterName(parseInbound(fixture('inbound/event-templatesendjobfinish.xml')))).to.equal(
      'event:templatesendjobfinish',
    );
  });

  it('names kinds it does not know message:unknown and event:unknown', () => {
    expect(filterName(parseInbound(fixture('inbound/message-unknown--miniprogrampage.xml')))).to.equal(
      'message:unknown',
    );
    expect(filterName(parseInbound(fixture('inbound/event-unknown--debug_demo.xml')))).to.equal(
      'event:unknown',
    );
  });

  it('lists one filter name per table entry plus the two unknowns, all distinct', () => {
    expect(FILTER_NAMES).to.have.length(MESSAGE_TYPES.length + EVENT_TYPES.length + 2);
    expect(new Set(FILTER_NAMES).size).to.equal(FILTER_NAMES.length);
    expect(FILTER_NAMES).to.include.members([
      'message:shortvideo',
      'event:masssendjobfinish',
      'event:kf_switch_session',
    ]);
  });

  it('tells filter names from typos', () => {
    expect(isFilterName('event:scan')).to.equal(true);
    expect(isFilterName('event:SCAN')).to.equal(false);
    expect(isFilterName('event:scna')).to.equal(false);
    expect(isFilterName('message:event')).to.equal(false);
  });
});
