import { expect } from 'chai';
import { EMPTY_REPLY_RULES, validateReplyRules } from '../../src/replies/reply-rules.js';
import type { ReplyRules } from '../../src/replies/reply-rules.js';
import type { Problem } from '../../src/replies/problem.js';

const text = (content: string) => ({ type: 'text', content });

/** The `replies` example of INTERFACE.md §2, verbatim. */
const INTERFACE_EXAMPLE = {
  subscribe: { type: 'text', content: 'Welcome!' },
  scenes: { spring: { type: 'text', content: 'Welcome, spring visitor' } },
  keywords: [
    { match: 'exact', pattern: 'hello', reply: { type: 'text', content: 'Hi' } },
    {
      match: 'contains',
      pattern: 'price',
      reply: {
        type: 'news',
        articles: [
          { title: 'Prices', description: '…', url: 'https://example.com/', picUrl: 'https://example.com/p' },
        ],
      },
    },
    { match: 'regex', pattern: '^order\\s+\\d+$', reply: { type: 'transfer_customer_service' } },
  ],
  clicks: { MENU_HELP: { type: 'text', content: 'How can we help?' } },
  default: null,
};

function rulesOf(input: unknown): ReplyRules {
  const result = validateReplyRules(input);
  if ('problems' in result) throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result.rules;
}

function problemsOf(input: unknown): Problem[] {
  const result = validateReplyRules(input);
  if (!('problems' in result)) throw new Error('expected problems, got rules');
  return result.problems;
}

describe('validateReplyRules', () => {
  it('accepts the example of INTERFACE.md §2', () => {
    const rules = rulesOf(INTERFACE_EXAMPLE);
    expect(rules.subscribe).to.deep.equal({ type: 'text', content: 'Welcome!' });
    expect(rules.scenes.get('spring')).to.deep.equal({ type: 'text', content: 'Welcome, spring visitor' });
    expect(rules.keywords.map((rule) => rule.match)).to.deep.equal(['exact', 'contains', 'regex']);
    expect(rules.clicks.get('MENU_HELP')).to.deep.equal({ type: 'text', content: 'How can we help?' });
    expect(rules.default).to.equal(null);
  });

  it('compiles each regex once, into the rule', () => {
    const rule = rulesOf(INTERFACE_EXAMPLE).keywords[2];
    if (rule?.match !== 'regex') throw new Error('expected a regex rule');
    expect(rule.regex).to.be.instanceOf(RegExp);
    expect(rule.regex.source).to.equal('^order\\s+\\d+$');
    expect(rule.regex.flags).to.equal('u');
  });

  it('compiles a regex with ignoreCase using the i flag', () => {
    const rule = rulesOf({
      keywords: [{ match: 'regex', pattern: 'abc', ignoreCase: true, reply: text('x') }],
    }).keywords[0];
    if (rule?.match !== 'regex') throw new Error('expected a regex rule');
    expect(rule.regex.flags).to.equal('iu');
  });

  it('treats a missing or null section as no replies', () => {
    expect(rulesOf(undefined)).to.equal(EMPTY_REPLY_RULES);
    expect(rulesOf(null)).to.equal(EMPTY_REPLY_RULES);
  });

  it('treats an empty section as no replies', () => {
    const rules = rulesOf({});
    expect(rules.subscribe).to.equal(null);
    expect(rules.default).to.equal(null);
    expect(rules.keywords).to.deep.equal([]);
    expect(rules.scenes.size).to.equal(0);
    expect(rules.clicks.size).to.equal(0);
  });

  it('keeps a null scene as a deliberate "no reply"', () => {
    const rules = rulesOf({ scenes: { quiet: null } });
    expect(rules.scenes.has('quiet')).to.equal(true);
    expect(rules.scenes.get('quiet')).to.equal(null);
  });

  it('keeps scene names like "__proto__" and "constructor" as ordinary keys', () => {
    const rules = rulesOf(
      JSON.parse('{"scenes": {"__proto__": {"type": "text", "content": "p"}, "constructor": null}}'),
    );
    expect(rules.scenes.get('__proto__')).to.deep.equal(text('p'));
    expect([...rules.scenes.keys()]).to.deep.equal(['__proto__', 'constructor']);
  });

  it('returns frozen rules', () => {
    const rules = rulesOf(INTERFACE_EXAMPLE);
    expect(Object.isFrozen(rules)).to.equal(true);
    expect(Object.isFrozen(rules.keywords)).to.equal(true);
    expect(Object.isFrozen(rules.keywords[0])).to.equal(true);
  });

  it('allows up to 8 news articles on events (subscribe, scenes, clicks)', () => {
    const articles = Array.from({ length: 8 }, (_, i) => ({ title: `A${i}` }));
    const news = { type: 'news', articles };
    expect(() => rulesOf({ subscribe: news, scenes: { s: news }, clicks: { K: news } })).to.not.throw();
  });

  it('prefixes paths with the given section path', () => {
    const result = validateReplyRules({ subscribe: { type: 'text' } }, 'accounts[1].replies');
    expect(result).to.deep.equal({
      problems: [{ path: 'accounts[1].replies.subscribe.content', message: 'is required' }],
    });
  });

  describe('reports each problem at its exact path', () => {
    const two = { type: 'news', articles: [{ title: 'A' }, { title: 'B' }] };
    const nine = { type: 'news', articles: Array.from({ length: 9 }, (_, i) => ({ title: `A${i}` })) };
    const cases: [string, unknown, string[]][] = [
      ['a section that is an array', [], ['replies']],
      ['a section that is a string', 'hello', ['replies']],
      ['an unknown section field', { welcome: text('hi') }, ['replies.welcome']],
      ['a subscribe reply of unknown type', { subscribe: { type: 'sticker' } }, ['replies.subscribe.type']],
      ['a subscribe text without content', { subscribe: { type: 'text' } }, ['replies.subscribe.content']],
      ['a subscribe reply with 9 news articles', { subscribe: nine }, ['replies.subscribe.articles']],
      [
        'a default reply with 2 news articles (it answers messages)',
        { default: two },
        ['replies.default.articles'],
      ],
      ['a default reply that is a string', { default: 'Sorry?' }, ['replies.default']],
      ['scenes that is an array', { scenes: [text('x')] }, ['replies.scenes']],
      [
        'a scene reply without mediaId',
        { scenes: { spring: { type: 'image' } } },
        ['replies.scenes.spring.mediaId'],
      ],
      [
        'a scene name that is not an identifier',
        { scenes: { 'spring-2024': { type: 'voice' } } },
        ['replies.scenes["spring-2024"].mediaId'],
      ],
      ['a scene with 9 news articles', { scenes: { s: nine } }, ['replies.scenes.s.articles']],
      ['an empty scene name', { scenes: { '': text('x') } }, ['replies.scenes[""]']],
      [
        'a scene name over 64 characters',
        { scenes: { ['s'.repeat(65)]: text('x') } },
        [`replies.scenes.${'s'.repeat(65)}`],
      ],
      ['clicks that is a string', { clicks: 'MENU_HELP' }, ['replies.clicks']],
      ['a click reply with 9 news articles', { clicks: { K: nine } }, ['replies.clicks.K.articles']],
      [
        'a click key over 128 bytes',
        { clicks: { ['键'.repeat(43)]: text('x') } },
        [`replies.clicks["${'键'.repeat(43)}"]`],
      ],
      ['keywords that is an object', { keywords: { hello: text('hi') } }, ['replies.keywords']],
      ['a keyword rule that is a string', { keywords: ['hello'] }, ['replies.keywords[0]']],
      [
        'a keyword rule without match',
        { keywords: [{ pattern: 'a', reply: text('x') }] },
        ['replies.keywords[0].match'],
      ],
      [
        'an unknown match kind',
        { keywords: [{ match: 'prefix', pattern: 'a', reply: text('x') }] },
        ['replies.keywords[0].match'],
      ],
      [
        'a match kind that is a number',
        { keywords: [{ match: 1, pattern: 'a', reply: text('x') }] },
        ['replies.keywords[0].match'],
      ],
      [
        'a keyword rule without pattern',
        { keywords: [{ match: 'exact', reply: text('x') }] },
        ['replies.keywords[0].pattern'],
      ],
      [
        'an empty pattern',
        { keywords: [{ match: 'contains', pattern: '', reply: text('x') }] },
        ['replies.keywords[0].pattern'],
      ],
      [
        'a blank pattern',
        { keywords: [{ match: 'regex', pattern: '   ', reply: text('x') }] },
        ['replies.keywords[0].pattern'],
      ],
      [
        'a pattern that is a number',
        { keywords: [{ match: 'exact', pattern: 42, reply: text('x') }] },
        ['replies.keywords[0].pattern'],
      ],
      [
        'an exact pattern with surrounding spaces',
        { keywords: [{ match: 'exact', pattern: ' hi', reply: text('x') }] },
        ['replies.keywords[0].pattern'],
      ],
      [
        'a bad regex',
        { keywords: [{ match: 'regex', pattern: '(unclosed', reply: text('x') }] },
        ['replies.keywords[0].pattern'],
      ],
      [
        'a regex invalid under the u flag',
        { keywords: [{ match: 'regex', pattern: '\\:', reply: text('x') }] },
        ['replies.keywords[0].pattern'],
      ],
      [
        'ignoreCase that is a string',
        { keywords: [{ match: 'exact', pattern: 'a', ignoreCase: 'yes', reply: text('x') }] },
        ['replies.keywords[0].ignoreCase'],
      ],
      [
        'a keyword rule without reply',
        { keywords: [{ match: 'exact', pattern: 'a' }] },
        ['replies.keywords[0].reply'],
      ],
      [
        'a keyword reply with 2 news articles',
        { keywords: [{ match: 'exact', pattern: 'a', reply: two }] },
        ['replies.keywords[0].reply.articles'],
      ],
      [
        'a keyword reply of unknown type',
        { keywords: [{ match: 'exact', pattern: 'a', reply: { type: 'link' } }] },
        ['replies.keywords[0].reply.type'],
      ],
      [
        'an unknown field in a keyword rule',
        { keywords: [{ match: 'exact', pattern: 'a', reply: text('x'), weight: 1 }] },
        ['replies.keywords[0].weight'],
      ],
    ];
    for (const [what, input, paths] of cases) {
      it(`${what} → ${paths.join(', ')}`, () => {
        expect(problemsOf(input).map((p) => p.path)).to.deep.equal(paths);
      });
    }
  });

  it('lists every problem of a file at once, in file order', () => {
    const problems = problemsOf({
      subscribe: { type: 'text' },
      scenes: { spring: { type: 'image' }, autumn: text('ok') },
      keywords: [
        { match: 'exact', pattern: 'ok', reply: text('ok') },
        { match: 'regex', pattern: '[', reply: { type: 'news', articles: [{ title: 'A' }, { title: 'B' }] } },
        { match: 'fuzzy', pattern: '', reply: text('x') },
      ],
      clicks: { K: { type: 'video' } },
      default: { type: 'nope' },
    });
    expect(problems.map((p) => p.path)).to.deep.equal([
      'replies.subscribe.content',
      'replies.default.type',
      'replies.scenes.spring.mediaId',
      'replies.clicks.K.mediaId',
      'replies.keywords[1].pattern',
      'replies.keywords[1].reply.articles',
      'replies.keywords[2].match',
      'replies.keywords[2].pattern',
    ]);
  });

  it('explains a bad regex with the engine message', () => {
    const [problem] = problemsOf({ keywords: [{ match: 'regex', pattern: '(unclosed', reply: text('x') }] });
    expect(problem?.message).to.match(/^is not a valid regular expression: .*Unterminated group/);
  });

  it('lists the known match kinds when the kind is unknown', () => {
    const [problem] = problemsOf({ keywords: [{ match: 'prefix', pattern: 'a', reply: text('x') }] });
    expect(problem?.message).to.equal('unknown match kind "prefix"; expected one of exact, contains, regex');
  });
});
