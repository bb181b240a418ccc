import { expect } from 'chai';
import { classifyPath, normalisePath } from '../../src/http/access-gate.js';

/** How the access gate reads a path: as leniently as any router might, protecting by default. */
describe('access gate: path classification', () => {
  it('normalises case, encoding, backslashes, slashes and dot segments', () => {
    expect(normalisePath('/API//Followers/')).to.equal('/api/followers');
    expect(normalisePath('/%61pi/x')).to.equal('/api/x');
    expect(normalisePath('/%2561pi/x')).to.equal('/api/x');
    expect(normalisePath('/api\\followers')).to.equal('/api/followers');
    expect(normalisePath('/admin/login/..%2F..%2Fapi')).to.equal('/api');
    expect(normalisePath('/\uFF21PI/followers')).to.equal('/api/followers');
    expect(normalisePath('/api/%E0%A4%A')).to.equal(null);
  });

  it('puts /api and anything spelled like it behind the admin token', () => {
    for (const path of [
      '/api',
      '/api/',
      '/API/scenes',
      '/api.json',
      '/api;x/followers',
      '/x/../api/followers',
    ]) {
      expect(classifyPath(path), path).to.equal('api');
    }
  });

  it('puts /metrics behind the admin token too, however it is spelled (INTERFACE.md §11)', () => {
    for (const path of ['/metrics', '/METRICS', '/metrics/', '/%6detrics', '//metrics', '/x/../Metrics']) {
      expect(classifyPath(path), path).to.equal('api');
    }
    expect(classifyPath('/metricsx')).to.equal('open');
  });

  it('keeps only the plain spelling of the login routes and assets public', () => {
    expect(classifyPath('/admin/login')).to.equal('console-public');
    expect(classifyPath('/admin/login/AbCdEf0123456789AbCdEf0123456789')).to.equal('console-public');
    expect(classifyPath('/admin/assets/console.css')).to.equal('console-public');
    for (const path of [
      '/admin',
      '/ADMIN/login',
      '/admin/assets/..',
      '/admin//login',
      '/admin/login/',
      '/admin/followers',
    ]) {
      expect(classifyPath(path), path).to.equal('console');
    }
  });

  it('leaves the webhook, OAuth and health routes open', () => {
    for (const path of [
      '/wechat',
      '/wechat/wx0123456789abcdef',
      '/oauth/callback',
      '/healthz',
      '/healthz/live',
      '/healthz/ready',
      '/apis',
      '/administrator',
    ]) {
      expect(classifyPath(path), path).to.equal('open');
    }
  });
});
