import { expect } from 'chai';
import { DEFAULT_OAUTH_SCOPE, OAUTH_SCOPES, isOAuthScope } from '../../src/oauth/scope.js';

describe('OAuth scopes', () => {
  it('knows exactly the two web-authorization scopes, snsapi_base by default', () => {
    expect(OAUTH_SCOPES).to.deep.equal(['snsapi_base', 'snsapi_userinfo']);
    expect(DEFAULT_OAUTH_SCOPE).to.equal('snsapi_base');
  });

  it('rejects other scopes, including the website-login one', () => {
    for (const scope of ['snsapi_login', 'SNSAPI_BASE', '', undefined, null, 1]) {
      expect(isOAuthScope(scope), String(scope)).to.equal(false);
    }
    expect(isOAuthScope('snsapi_userinfo')).to.equal(true);
  });
});
