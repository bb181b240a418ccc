import { expect } from 'chai';
import { matchReply } from '../../src/replies/match-reply.js';
import { validateReplyRules } from '../../src/replies/reply-rules.js';
import type { ReplyRules } from '../../src/replies/reply-rules.js';

const text = (content: string) => ({ type: 'text', content }) as const;

function rules(input: unknown): ReplyRules {
  const result = validateReplyRules(input);
  if ('problems' in result) throw new Error(JSON.stringify(result.problems));
  return result.rules;
}

describe('matchReply', () => {
  describe('follows and scans', () => {
    const r = rules({
      subscribe: text('Welcome!'),
      scenes: { spring: text('Welcome, spring visitor'), quiet: null, '123': text('numeric scene') },
    });

    it('answers a plain follow with subscribe', () => {
      expect(matchReply(r, { kind: 'subscribe', scene: null })).to.deep.equal(text('Welcome!'));
    });

    it('answers a follow through a configured scene with that scene', () => {
      expect(matchReply(r, { kind: 'subscribe', scene: 'spring' })).to.deep.equal(
        text('Welcome, spring visitor'),
      );
    });

    it('answers a follow through a numeric scene_id scene', () => {
      expect(matchReply(r, { kind: 'subscribe', scene: '123' })).to.deep.equal(text('numeric scene'));
    });

    it('falls back to subscribe for a follow through an unconfigured scene', () => {
      expect(matchReply(r, { kind: 'subscribe', scene: 'winter' })).to.deep.equal(text('Welcome!'));
    });

    it('answers nothing to a follow through a scene set to null, without falling back', () => {
      expect(matchReply(r, { kind: 'subscribe', scene: 'quiet' })).to.equal(null);
    });

    it('answers a scan of a configured scene with that scene', () => {
      expect(matchReply(r, { kind: 'scan', scene: 'spring' })).to.deep.equal(text('Welcome, spring visitor'));
    });

    it('does not welcome a follower again when they scan an unconfigured scene', () => {
      expect(matchReply(r, { kind: 'scan', scene: 'winter' })).to.equal(null);
    });

    it('answers nothing to a follow when neither subscribe nor the scene is set', () => {
      expect(matchReply(rules({}), { kind: 'subscribe', scene: 'spring' })).to.equal(null);
    });

    it('does not treat Object.prototype names as scenes', () => {
      expect(matchReply(r, { kind: 'scan', scene: 'constructor' })).to.equal(null);
      expect(matchReply(r, { kind: 'subscribe', scene: '__proto__' })).to.deep.equal(text('Welcome!'));
    });
  });

  describe('text messages', () => {
    const r = rules({
      keywords: [
        { match: 'exact', pattern: 'hello', reply: text('exact hello') },
        { match: 'exact', pattern: 'Bye', ignoreCase: true, reply: text('exact bye') },
        { match: 'contains', pattern: 'price', reply: text('contains price') },
        { match: 'contains', pattern: 'HELP', ignoreCase: true, reply: text('contains help') },
        { match: 'regex', pattern: '^order\\s+\\d+$', reply: text('regex order') },
        { match: 'regex', pattern: '^红包', reply: text('regex 红包') },
        { match: 'regex', pattern: '^vip$', ignoreCase: true, reply: text('regex vip') },
        { match: 'contains', pattern: 'hello', reply: text('contains hello') },
      ],
      default: text('default'),
    });
    const reply = (content: string) => matchReply(r, { kind: 'text', content });

    it('matches an exact rule', () => {
      expect(reply('hello')).to.deep.equal(text('exact hello'));
    });

    it('trims the message before matching (spaces, newlines, full-width spaces)', () => {
      expect(reply('  hello\n')).to.deep.equal(text('exact hello'));
      expect(reply('\u3000hello\u3000')).to.deep.equal(text('exact hello'));
    });

    it('compares exact rules case-sensitively by default', () => {
      expect(reply('Hello')).to.deep.equal(text('default'));
    });

    it('compares case-insensitively when the rule says ignoreCase', () => {
      expect(reply('BYE')).to.deep.equal(text('exact bye'));
      expect(reply('can you help me')).to.deep.equal(text('contains help'));
      expect(reply('VIP')).to.deep.equal(text('regex vip'));
    });

    it('matches a contains rule anywhere in the message', () => {
      expect(reply("what's the price today?")).to.deep.equal(text('contains price'));
    });

    it('matches a regex rule', () => {
      expect(reply('order   42')).to.deep.equal(text('regex order'));
      expect(reply('红包来了')).to.deep.equal(text('regex 红包'));
    });

    it('matches a regex against the trimmed message', () => {
      expect(reply('order 42 ')).to.deep.equal(text('regex order'));
    });

    it('gives the same answer every time a regex rule is used (no lastIndex state)', () => {
      const answers = [1, 2, 3].map(() => reply('order 7'));
      expect(answers).to.deep.equal([text('regex order'), text('regex order'), text('regex order')]);
    });

    it('uses the first matching rule in file order', () => {
      // "hello there" fails the exact rule and reaches the later contains rule.
      expect(reply('hello there')).to.deep.equal(text('contains hello'));
      // "price hello" matches both "price" (3rd) and "hello" (last): the earlier rule wins.
      expect(reply('price hello')).to.deep.equal(text('contains price'));
    });

    it('falls back to default when no rule matches', () => {
      expect(reply('something else')).to.deep.equal(text('default'));
    });

    it('answers nothing when no rule matches and there is no default', () => {
      expect(matchReply(rules({ keywords: [] }), { kind: 'text', content: 'x' })).to.equal(null);
    });
  });

  describe('other messages and clicks', () => {
    const r = rules({
      keywords: [{ match: 'regex', pattern: '.*', reply: text('anything') }],
      clicks: { MENU_HELP: text('How can we help?'), QUIET: null },
      default: text('default'),
    });

    it('answers a non-text message with default, not with keyword rules', () => {
      expect(matchReply(r, { kind: 'message' })).to.deep.equal(text('default'));
    });

    it('answers a click on a configured key', () => {
      expect(matchReply(r, { kind: 'click', key: 'MENU_HELP' })).to.deep.equal(text('How can we help?'));
    });

    it('answers nothing to a click on an unconfigured key, not even default', () => {
      expect(matchReply(r, { kind: 'click', key: 'OTHER' })).to.equal(null);
    });

    it('answers nothing to a click on a key set to null', () => {
      expect(matchReply(r, { kind: 'click', key: 'QUIET' })).to.equal(null);
    });
  });
});
