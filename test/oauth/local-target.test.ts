import { expect } from 'chai';
import { MAX_TARGET_LENGTH, isLocalTarget } from '../../src/oauth/local-target.js';

describe('isLocalTarget', () => {
  const accepted = [
    '/',
    '/account',
    '/members/profile',
    '/a/b/c/',
    '/account?tab=orders&page=2',
    '/account#top',
    '/path?next=//evil.example', // '//' inside the query is just data
    '/search?q=a%2Fb',
    '/%E6%96%87%E7%AB%A0', // /文章, percent-encoded
    '/my%20page',
    '/100%25', // a literal '%'
    '/a:b@c',
    "/~user/!$&'()*+,;=",
    '/.well-known/x',
    '/a/..b/c',
    '/x'.repeat(MAX_TARGET_LENGTH / 2),
  ];
  for (const target of accepted) {
    it(`accepts ${JSON.stringify(target.length > 40 ? `${target.slice(0, 40)}…` : target)}`, () => {
      expect(isLocalTarget(target)).to.equal(true);
    });
  }

  const rejected: [string, string][] = [
    ['', 'empty'],
    ['account', 'relative path'],
    ['./account', 'relative path'],
    ['?x=1', 'query only'],
    ['#x', 'fragment only'],
    ['https://evil.example/', 'absolute URL'],
    ['http:/evil.example', 'scheme with one slash'],
    ['javascript:alert(1)', 'javascript: scheme'],
    ['data:text/html,x', 'data: scheme'],
    ['//evil.example', 'protocol-relative'],
    ['///evil.example', 'triple slash'],
    ['//evil.example/path?x', 'protocol-relative with path'],
    ['/\\evil.example', 'slash backslash'],
    ['\\\\evil.example', 'double backslash'],
    ['/a\\b', 'backslash inside'],
    ['\\/evil.example', 'backslash slash'],
    [' /account', 'leading space'],
    ['/account ', 'trailing space'],
    ['/\t/evil.example', 'tab, which browsers strip'],
    ['/\n/evil.example', 'newline, which browsers strip'],
    ['/\r\nSet-Cookie:x=1', 'CRLF header injection'],
    ['/\u0000', 'NUL'],
    ['/\u007f', 'DEL'],
    ['/\u0085', 'C1 control'],
    ['/%2F%2Fevil.example', 'encoded // after the slash'],
    ['/%2f/evil.example', 'encoded slash, lower case'],
    ['%2F%2Fevil.example', 'fully encoded //'],
    ['/%5Cevil.example', 'encoded backslash'],
    ['/%5cevil.example', 'encoded backslash, lower case'],
    ['/%252F%252Fevil.example', 'double-encoded //'],
    ['/%25252F%25252Fevil.example', 'triple-encoded //'],
    ['/%255Cevil.example', 'double-encoded backslash'],
    ['/%09/evil.example', 'encoded tab'],
    ['/%0d%0aSet-Cookie:x=1', 'encoded CRLF'],
    ['/%00', 'encoded NUL'],
    ['/%E2%80%AE', 'encoded bidi override'],
    ['/%E2%80%A8', 'encoded line separator'],
    ['/%EF%BC%8F%EF%BC%8Fevil.example', 'encoded full-width solidus (NFKC: //)'],
    ['/%EF%BC%BCevil.example', 'encoded full-width reverse solidus'],
    ['/／evil.example', 'raw full-width solidus'],
    ['/文章', 'raw non-ASCII'],
    ['/%zz', 'malformed escape'],
    ['/%', 'truncated escape'],
    ['/%E6%96', 'truncated UTF-8 sequence'],
    ['/%C0%AF', 'overlong UTF-8 slash'],
    ['/.', 'dot segment'],
    ['/..', 'dot-dot segment'],
    ['/./', 'dot segment with slash'],
    ['/../etc/passwd', 'traversal'],
    ['/a/../../b', 'traversal in the middle'],
    ['/.//evil.example', 'dot segment hiding //'],
    ['/%2e%2e/admin', 'encoded dot-dot'],
    ['/%2E/%2F/evil.example', 'encoded dot and slash'],
    ['/.%2F/evil.example', 'dot with encoded slash'],
    ['/<script>', 'angle brackets'],
    ['/"x"', 'double quotes'],
    ['/a|b', 'pipe'],
    ['/`x`', 'backtick'],
    ['/{x}', 'braces'],
    ['/' + 'x'.repeat(MAX_TARGET_LENGTH), 'too long'],
  ];
  for (const [target, why] of rejected) {
    it(`rejects ${JSON.stringify(target.length > 40 ? `${target.slice(0, 40)}…` : target)} (${why})`, () => {
      expect(isLocalTarget(target)).to.equal(false);
    });
  }

  it('rejects encoding nested deeper than any honest link needs', () => {
    let target = '/a%2Fb';
    for (let i = 0; i < 5; i++) target = target.replace('%', '%25');
    expect(isLocalTarget(target)).to.equal(false);
  });

  it('rejects values that are not strings', () => {
    expect(isLocalTarget(undefined as unknown as string)).to.equal(false);
    expect(isLocalTarget(['/a'] as unknown as string)).to.equal(false);
  });

  it('never accepts a target that resolves to another origin', () => {
    const base = 'https://wx.example.com/oauth/callback';
    for (const [target] of rejected) {
      let sameOrigin: boolean;
      try {
        sameOrigin = new URL(target, base).origin === 'https://wx.example.com';
      } catch {
        sameOrigin = false;
      }
      if (!sameOrigin) expect(isLocalTarget(target), target).to.equal(false);
    }
    for (const target of accepted) expect(new URL(target, base).origin).to.equal('https://wx.example.com');
  });
});
