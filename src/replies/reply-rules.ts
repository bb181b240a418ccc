import type { Reply } from '../wire/reply-types.js';
import { childPath, describeJson, isJsonObject, unknownFieldProblems, utf8Length } from './problem.js';
import type { Problem } from './problem.js';
import { checkReply } from './reply-object.js';
import type { ReplyContext } from './reply-object.js';

/**
 * How a keyword rule compares a text message with its `pattern`. The message is trimmed first (so
 * "hello " from a phone keyboard still matches); comparisons are case-sensitive unless `ignoreCase`.
 * - `exact`: the trimmed message equals the pattern;
 * - `contains`: the trimmed message contains the pattern;
 * - `regex`: the pattern, a JavaScript regular expression compiled with the `u` flag, matches somewhere in
 *   the trimmed message (anchor it with `^…$` to match the whole).
 */
export const KEYWORD_MATCHES = ['exact', 'contains', 'regex'] as const;

/** One of {@link KEYWORD_MATCHES}. */
export type KeywordMatch = (typeof KEYWORD_MATCHES)[number];

/** A validated keyword rule; a `regex` rule carries its compiled expression so matching never recompiles. */
export type KeywordRule =
  | {
      readonly match: 'exact' | 'contains';
      readonly pattern: string;
      readonly ignoreCase: boolean;
      readonly reply: Reply;
    }
  | {
      readonly match: 'regex';
      readonly pattern: string;
      readonly ignoreCase: boolean;
      readonly regex: RegExp;
      readonly reply: Reply;
    };

/**
 * The validated `replies` section of the config file (INTERFACE.md §2). In `scenes` and `clicks` a `null`
 * value means "deliberately no reply": a follow through such a scene does not fall back to `subscribe`.
 */
export interface ReplyRules {
  readonly subscribe: Reply | null;
  readonly scenes: ReadonlyMap<string, Reply | null>;
  readonly keywords: readonly KeywordRule[];
  readonly clicks: ReadonlyMap<string, Reply | null>;
  readonly default: Reply | null;
}

/** Rules that never reply; what a config file without `replies` means. */
export const EMPTY_REPLY_RULES: ReplyRules = Object.freeze({
  subscribe: null,
  scenes: new Map(),
  keywords: Object.freeze([]),
  clicks: new Map(),
  default: null,
});

const SECTION_FIELDS = ['subscribe', 'scenes', 'keywords', 'clicks', 'default'] as const;
const KEYWORD_FIELDS = ['match', 'pattern', 'ignoreCase', 'reply'] as const;
// A QR scene_str is 1–64 characters (WECHAT-PROTOCOL.md §6.5); a menu key at most 128 bytes (§6.6). Longer
// names can never be matched, so they are reported rather than kept as dead rules.
const MAX_SCENE_LENGTH = 64;
const MAX_CLICK_KEY_BYTES = 128;

/**
 * Validates the `replies` section of the config file. `input` may be `undefined` or `null` (no section: no
 * replies). Returns the rules, compiled, or every problem with its path, `path` being where the section
 * sits in the file.
 */
export function validateReplyRules(
  input: unknown,
  path = 'replies',
): { rules: ReplyRules } | { problems: Problem[] } {
  if (input === undefined || input === null) return { rules: EMPTY_REPLY_RULES };
  if (!isJsonObject(input)) {
    return {
      problems: [
        {
          path,
          message: `must be an object {"subscribe", "scenes", "keywords", "clicks", "default"} (got ${describeJson(input)})`,
        },
      ],
    };
  }
  const problems = unknownFieldProblems(input, SECTION_FIELDS, path, 'the replies section');

  const subscribe = optionalReply(input.subscribe, childPath(path, 'subscribe'), 'event', problems);
  const fallback = optionalReply(input.default, childPath(path, 'default'), 'message', problems);
  const scenes = replyMap(input.scenes, childPath(path, 'scenes'), problems, (name) =>
    name.length === 0 || name.length > MAX_SCENE_LENGTH
      ? `a QR scene is 1–${MAX_SCENE_LENGTH} characters (got ${name.length}); this entry could never match`
      : null,
  );
  const clicks = replyMap(input.clicks, childPath(path, 'clicks'), problems, (key) =>
    key.length === 0 || utf8Length(key) > MAX_CLICK_KEY_BYTES
      ? `a menu key is 1–${MAX_CLICK_KEY_BYTES} bytes (got ${utf8Length(key)}); this entry could never match`
      : null,
  );
  const keywords = keywordRules(input.keywords, childPath(path, 'keywords'), problems);

  if (problems.length > 0) return { problems };
  const rules: ReplyRules = { subscribe, scenes, keywords, clicks, default: fallback };
  return { rules: Object.freeze(rules) };
}

function optionalReply(
  value: unknown,
  path: string,
  context: ReplyContext,
  problems: Problem[],
): Reply | null {
  if (value === undefined || value === null) return null;
  return checkReply(value, path, context, problems) ?? null;
}

/** `scenes` and `clicks`: an object from a name to a reply (or `null`); both answer events. */
function replyMap(
  value: unknown,
  path: string,
  problems: Problem[],
  checkName: (name: string) => string | null,
): Map<string, Reply | null> {
  const map = new Map<string, Reply | null>();
  if (value === undefined || value === null) return map;
  if (!isJsonObject(value)) {
    problems.push({ path, message: `must be an object from name to reply (got ${describeJson(value)})` });
    return map;
  }
  // A Map, not the parsed object: a scene named "constructor" or "__proto__" must not reach Object.prototype.
  for (const [name, entry] of Object.entries(value)) {
    const at = childPath(path, name);
    const nameProblem = checkName(name);
    if (nameProblem !== null) problems.push({ path: at, message: nameProblem });
    if (entry === null) {
      map.set(name, null);
      continue;
    }
    const reply = checkReply(entry, at, 'event', problems);
    if (reply !== undefined) map.set(name, reply);
  }
  return map;
}

function keywordRules(value: unknown, path: string, problems: Problem[]): KeywordRule[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push({ path, message: `must be an array of keyword rules (got ${describeJson(value)})` });
    return [];
  }
  const rules: KeywordRule[] = [];
  value.forEach((item: unknown, index) => {
    const rule = keywordRule(item, childPath(path, index), problems);
    if (rule !== undefined) rules.push(rule);
  });
  return Object.freeze(rules) as KeywordRule[];
}

function keywordRule(item: unknown, path: string, problems: Problem[]): KeywordRule | undefined {
  if (!isJsonObject(item)) {
    problems.push({
      path,
      message: `must be a rule {"match", "pattern", "reply"} (got ${describeJson(item)})`,
    });
    return undefined;
  }
  const before = problems.length;
  problems.push(...unknownFieldProblems(item, KEYWORD_FIELDS, path, 'a keyword rule'));

  const match = item.match;
  const matchPath = childPath(path, 'match');
  if (match === undefined) {
    problems.push({ path: matchPath, message: `is required (one of ${KEYWORD_MATCHES.join(', ')})` });
  } else if (typeof match !== 'string' || !(KEYWORD_MATCHES as readonly string[]).includes(match)) {
    const shown = typeof match === 'string' ? `"${match}"` : describeJson(match);
    problems.push({
      path: matchPath,
      message: `unknown match kind ${shown}; expected one of ${KEYWORD_MATCHES.join(', ')}`,
    });
  }

  const ignoreCase = item.ignoreCase ?? false;
  if (typeof ignoreCase !== 'boolean') {
    problems.push({
      path: childPath(path, 'ignoreCase'),
      message: `must be true or false (got ${describeJson(ignoreCase)})`,
    });
  }

  const pattern = item.pattern;
  const patternPath = childPath(path, 'pattern');
  let regex: RegExp | undefined;
  if (pattern === undefined) {
    problems.push({ path: patternPath, message: 'is required' });
  } else if (typeof pattern !== 'string') {
    problems.push({ path: patternPath, message: `must be a string (got ${describeJson(pattern)})` });
  } else if (pattern.trim() === '') {
    // An empty pattern would match every message (contains, regex) or none (exact): never what was meant.
    problems.push({ path: patternPath, message: 'must not be empty; use "default" to answer every message' });
  } else if (match === 'exact' && pattern !== pattern.trim()) {
    problems.push({
      path: patternPath,
      message:
        'has leading or trailing whitespace; messages are trimmed before comparing, so it could never match',
    });
  } else if (match === 'regex') {
    try {
      regex = new RegExp(pattern, ignoreCase === true ? 'iu' : 'u');
    } catch (error) {
      problems.push({
        path: patternPath,
        message: `is not a valid regular expression: ${(error as Error).message}`,
      });
    }
  }

  const replyPath = childPath(path, 'reply');
  if (item.reply === undefined) problems.push({ path: replyPath, message: 'is required' });
  // Keyword rules answer a user's message: at most 1 news article (WECHAT-PROTOCOL.md §4.2).
  const reply = item.reply === undefined ? undefined : checkReply(item.reply, replyPath, 'message', problems);

  if (problems.length > before || reply === undefined) return undefined;
  const common = { pattern: pattern as string, ignoreCase: ignoreCase as boolean, reply };
  const rule: KeywordRule =
    match === 'regex'
      ? { match, ...common, regex: regex as RegExp }
      : { match: match as 'exact' | 'contains', ...common };
  return Object.freeze(rule);
}
