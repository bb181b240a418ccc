import type { Reply } from '../wire/reply-types.js';
import type { KeywordRule, ReplyRules } from './reply-rules.js';

/**
 * What happened, reduced to what reply rules look at. Built by the bot from an inbound push, so replies/
 * does not depend on the wire types:
 * - `subscribe`: a follow; `scene` is the QR scene without the `qrscene_` prefix, `null` for a plain follow;
 * - `scan`: a `SCAN` by a follower, `scene` = its `EventKey`;
 * - `text`: a text message;
 * - `message`: any other message a user sent (image, voice, location, …), answered by `default`;
 * - `click`: a `CLICK` menu event, `key` = its `EventKey`.
 */
export type ReplyTrigger =
  | { readonly kind: 'subscribe'; readonly scene: string | null }
  | { readonly kind: 'scan'; readonly scene: string }
  | { readonly kind: 'text'; readonly content: string }
  | { readonly kind: 'message' }
  | { readonly kind: 'click'; readonly key: string };

/**
 * The configured reply to `trigger`, or `null` for none (the webhook then answers `success`):
 * - a follow through scene X gets `scenes[X]` if the scene has an entry, otherwise `subscribe`;
 * - a `SCAN` of X gets `scenes[X]` only: an existing follower is not welcomed again;
 * - a text gets the reply of the first keyword rule, in file order, that matches; otherwise `default`;
 * - another message gets `default`; a click gets `clicks[key]`.
 */
export function matchReply(rules: ReplyRules, trigger: ReplyTrigger): Reply | null {
  switch (trigger.kind) {
    case 'subscribe':
      if (trigger.scene !== null && rules.scenes.has(trigger.scene))
        return rules.scenes.get(trigger.scene) ?? null;
      return rules.subscribe;
    case 'scan':
      return rules.scenes.get(trigger.scene) ?? null;
    case 'text': {
      const text = trigger.content.trim();
      return rules.keywords.find((rule) => keywordMatches(rule, text))?.reply ?? rules.default;
    }
    case 'message':
      return rules.default;
    case 'click':
      return rules.clicks.get(trigger.key) ?? null;
  }
}

/** True when `rule` matches the (already trimmed) `text`. */
export function keywordMatches(rule: KeywordRule, text: string): boolean {
  switch (rule.match) {
    case 'regex':
      // Compiled without the g/y flags, so test() keeps no lastIndex state between messages.
      return rule.regex.test(text);
    case 'exact':
      return rule.ignoreCase ? text.toLowerCase() === rule.pattern.toLowerCase() : text === rule.pattern;
    case 'contains':
      return rule.ignoreCase
        ? text.toLowerCase().includes(rule.pattern.toLowerCase())
        : text.includes(rule.pattern);
  }
}
