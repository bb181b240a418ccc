import { expect } from 'chai';
import { validateReplyObject } from '../../src/replies/reply-object.js';
import type { ReplyContext } from '../../src/replies/reply-object.js';

function problemsOf(value: unknown, context: ReplyContext = 'event', path = 'reply') {
  const result = validateReplyObject(value, path, context);
  if (!('problems' in result)) throw new Error(`expected problems, got ${JSON.stringify(result.reply)}`);
  return result.problems;
}

function replyOf(value: unknown, context: ReplyContext = 'event') {
  const result = validateReplyObject(value, 'reply', context);
  if ('problems' in result) throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result.reply;
}

const article = (n: number) => ({ title: `Article ${n}`, url: `https://example.com/${n}` });

describe('validateReplyObject', () => {
  describe('accepts every reply type of INTERFACE.md §2', () => {
    const valid: unknown[] = [
      { type: 'text', content: 'Welcome!\nSecond line' },
      { type: 'image', mediaId: 'MEDIA' },
      { type: 'voice', mediaId: 'MEDIA' },
      { type: 'video', mediaId: 'MEDIA' },
      { type: 'video', mediaId: 'MEDIA', title: 'T', description: 'D' },
      { type: 'music', thumbMediaId: 'THUMB' },
      {
        type: 'music',
        thumbMediaId: 'THUMB',
        title: 'T',
        description: 'D',
        musicUrl: 'http://example.com/a.mp3',
        hqMusicUrl: 'https://example.com/a.flac',
      },
      { type: 'news', articles: [{ title: 'Only a title' }] },
      {
        type: 'news',
        articles: [
          { title: 'T', description: 'D', url: 'https://example.com/', picUrl: 'https://example.com/p.jpg' },
        ],
      },
      { type: 'transfer_customer_service' },
      { type: 'transfer_customer_service', kfAccount: 'test1@test' },
    ];
    for (const value of valid) {
      it(`returns ${JSON.stringify(value)} unchanged`, () => {
        expect(replyOf(value)).to.deep.equal(value);
      });
    }
  });

  it('returns a frozen copy, not the input object', () => {
    const input = { type: 'text', content: 'hi' };
    const reply = replyOf(input);
    expect(reply).to.not.equal(input);
    expect(Object.isFrozen(reply)).to.equal(true);
  });

  it('freezes news articles too', () => {
    const reply = replyOf({ type: 'news', articles: [article(1)] });
    if (reply.type !== 'news') throw new Error('expected news');
    expect(Object.isFrozen(reply.articles)).to.equal(true);
    expect(Object.isFrozen(reply.articles[0])).to.equal(true);
  });

  it('allows 1 news article in a reply to a message', () => {
    expect(replyOf({ type: 'news', articles: [article(1)] }, 'message')).to.have.property('type', 'news');
  });

  it('allows 8 news articles in a reply to an event', () => {
    const reply = replyOf({ type: 'news', articles: [1, 2, 3, 4, 5, 6, 7, 8].map(article) }, 'event');
    expect(reply).to.have.property('articles').with.length(8);
  });

  it('rejects 2 news articles in a reply to a message, which WeChat would cut to 1', () => {
    const problems = problemsOf({ type: 'news', articles: [article(1), article(2)] }, 'message');
    expect(problems).to.deep.equal([
      { path: 'reply.articles', message: 'has 2 articles; a reply to a user message shows only 1 article' },
    ]);
  });

  it('rejects 9 news articles in a reply to an event', () => {
    const problems = problemsOf(
      { type: 'news', articles: [1, 2, 3, 4, 5, 6, 7, 8, 9].map(article) },
      'event',
    );
    expect(problems).to.deep.equal([
      { path: 'reply.articles', message: 'has 9 articles; a reply to an event shows at most 8 articles' },
    ]);
  });

  const invalid: [string, unknown, string[]][] = [
    ['a string instead of an object', 'Welcome!', ['reply']],
    ['null', null, ['reply']],
    ['an array', [{ type: 'text', content: 'x' }], ['reply']],
    ['no type', { content: 'hi' }, ['reply.type']],
    ['an unknown type', { type: 'markdown', content: 'hi' }, ['reply.type']],
    ['a type of the wrong JSON type', { type: 1 }, ['reply.type']],
    ['text without content', { type: 'text' }, ['reply.content']],
    ['text with empty content', { type: 'text', content: '' }, ['reply.content']],
    ['text with blank content', { type: 'text', content: '  \n ' }, ['reply.content']],
    ['text with a number as content', { type: 'text', content: 42 }, ['reply.content']],
    ['image without mediaId', { type: 'image' }, ['reply.mediaId']],
    [
      'image with media_id (the API spelling)',
      { type: 'image', media_id: 'M' },
      ['reply.media_id', 'reply.mediaId'],
    ],
    ['voice without mediaId', { type: 'voice' }, ['reply.mediaId']],
    ['video without mediaId', { type: 'video', title: 'T' }, ['reply.mediaId']],
    ['video with a numeric title', { type: 'video', mediaId: 'M', title: 3 }, ['reply.title']],
    ['music without thumbMediaId', { type: 'music', title: 'T' }, ['reply.thumbMediaId']],
    [
      'music with a relative musicUrl',
      { type: 'music', thumbMediaId: 'T', musicUrl: '/a.mp3' },
      ['reply.musicUrl'],
    ],
    [
      'music with a javascript: hqMusicUrl',
      { type: 'music', thumbMediaId: 'T', hqMusicUrl: 'javascript:x' },
      ['reply.hqMusicUrl'],
    ],
    ['news without articles', { type: 'news' }, ['reply.articles']],
    ['news with an object as articles', { type: 'news', articles: { title: 'T' } }, ['reply.articles']],
    ['news with no articles', { type: 'news', articles: [] }, ['reply.articles']],
    ['a news article that is a string', { type: 'news', articles: ['T'] }, ['reply.articles[0]']],
    [
      'a news article without title',
      { type: 'news', articles: [{ url: 'https://e.com/' }] },
      ['reply.articles[0].title'],
    ],
    [
      'a news article with a bad url',
      { type: 'news', articles: [{ title: 'T', url: 'e.com' }] },
      ['reply.articles[0].url'],
    ],
    [
      'a news article with picurl (wrong case)',
      { type: 'news', articles: [{ title: 'T', picurl: 'https://e.com/p' }] },
      ['reply.articles[0].picurl'],
    ],
    [
      'transfer with an empty kfAccount',
      { type: 'transfer_customer_service', kfAccount: '' },
      ['reply.kfAccount'],
    ],
    [
      'transfer with kf_account',
      { type: 'transfer_customer_service', kf_account: 'a@b' },
      ['reply.kf_account'],
    ],
    ['text with a stray field', { type: 'text', content: 'hi', title: 'T' }, ['reply.title']],
  ];
  for (const [what, value, paths] of invalid) {
    it(`reports ${what} at ${paths.join(', ')}`, () => {
      expect(problemsOf(value).map((p) => p.path)).to.deep.equal(paths);
    });
  }

  it('names the allowed types when the type is unknown', () => {
    const [problem] = problemsOf({ type: 'markdown' });
    expect(problem?.message).to.equal(
      'unknown reply type "markdown"; expected one of text, image, voice, video, music, news, transfer_customer_service',
    );
  });

  it('suggests the right spelling of a snake_case field', () => {
    const problems = problemsOf({ type: 'image', media_id: 'M' });
    expect(problems[0]?.message).to.equal('unknown field in a reply of type image (did you mean "mediaId"?)');
  });

  it('lists every problem of a broken news reply at once', () => {
    const problems = problemsOf(
      { type: 'news', articles: [{ title: '' }, { title: 'T', url: 'ftp://x' }], extra: 1 },
      'message',
      'replies.default',
    );
    expect(problems.map((p) => p.path)).to.deep.equal([
      'replies.default.extra',
      'replies.default.articles',
      'replies.default.articles[0].title',
      'replies.default.articles[1].url',
    ]);
  });
});
