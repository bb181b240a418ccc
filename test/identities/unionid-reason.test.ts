import { expect } from 'chai';
import { unionidReason } from '../../src/identities/unionid-reason.js';

describe('identities: why an identity has no UnionID', () => {
  const follower = { source: 'follower' as const, scope: null, subscribed: true };

  it('says nothing when there is one', () => {
    expect(unionidReason({ ...follower, unionid: 'oU' }, true)).to.equal(null);
    expect(unionidReason({ ...follower, unionid: 'oU' }, false)).to.equal(null);
  });

  it('blames an app that never had a UnionID first: it is not bound to an Open Platform account', () => {
    const reason = unionidReason(
      { unionid: null, source: 'oauth', scope: 'snsapi_base', subscribed: null },
      false,
    );
    expect(reason?.code).to.equal('app_not_bound');
    expect(reason?.message).to.match(/not bound to an Open Platform account/);
  });

  it('in a bound app: snsapi_base, a person who left, or not known yet', () => {
    expect(
      unionidReason({ unionid: null, source: 'oauth', scope: 'snsapi_base', subscribed: null }, true)?.code,
    ).to.equal('snsapi_base');
    expect(unionidReason({ ...follower, unionid: null, subscribed: false }, true)?.code).to.equal(
      'unfollowed',
    );
    expect(unionidReason({ ...follower, unionid: null }, true)?.code).to.equal('not_yet_known');
    expect(
      unionidReason({ unionid: null, source: 'miniprogram', scope: null, subscribed: null }, true)?.code,
    ).to.equal('not_yet_known');
  });
});
