import { expect } from 'chai';
import { exportFilter, ExportFilterError, parseSince } from '../../src/followers/export-filter.js';

describe('export filters', () => {
  it('reads --since as an ISO date (midnight UTC) or a date and time with its offset', () => {
    expect(parseSince('2026-03-01')).to.equal(Date.UTC(2026, 2, 1) / 1000);
    expect(parseSince('2026-03-01T08:00:00Z')).to.equal(Date.UTC(2026, 2, 1, 8) / 1000);
    expect(parseSince('2026-03-01T08:00+08:00')).to.equal(Date.UTC(2026, 2, 1) / 1000);
    expect(parseSince(' 2024-02-29 ')).to.equal(Date.UTC(2024, 1, 29) / 1000);
  });

  it('refuses anything else with a message that names the flag and the forms it takes', () => {
    for (const bad of [
      '',
      'yesterday',
      '1709251200',
      '2026-3-1',
      '2026-02-30',
      '2025-02-29',
      '2026-03-01T24:00Z',
      '2026-03-01T08:00:00',
      '03/01/2026',
    ]) {
      expect(() => parseSince(bad), bad)
        .to.throw(ExportFilterError)
        .with.property('message')
        .that.matches(/--since/);
    }
    expect(() => parseSince('tomorrow')).to.throw(/ISO 8601 date \(2026-03-01\)/);
  });

  it('builds the store filter from the flags, naming every problem at once', () => {
    expect(exportFilter({})).to.deep.equal({});
    expect(exportFilter({ subscribed: true, scene: ' spring ', since: '2026-03-01' })).to.deep.equal({
      subscribed: true,
      scene: 'spring',
      since: Date.UTC(2026, 2, 1) / 1000,
    });
    expect(() => exportFilter({ scene: '', since: 'soon' }))
      .to.throw(ExportFilterError)
      .with.property('message')
      .that.matches(/--scene[\s\S]*\n[\s\S]*--since/);
  });
});
