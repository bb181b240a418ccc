import { MAX_NEWS_ARTICLES, REPLY_TYPES } from '../wire/reply-types.js';
import type { NewsArticle, Reply, ReplyType } from '../wire/reply-types.js';
import {
  childPath,
  describeJson,
  isHttpUrl,
  isJsonObject,
  readString,
  unknownFieldProblems,
} from './problem.js';
import type { Problem } from './problem.js';

/**
 * What a reply answers. WeChat shows only 1 news article in a reply to a user's message but up to 8 in a
 * reply to an event such as a follow or a menu click (WECHAT-PROTOCOL.md §4.2), so rules are checked against
 * the context they will be used in.
 */
export type ReplyContext = 'message' | 'event';

/** Fields of each reply type, as written in the config file (INTERFACE.md §2 "Reply objects"). */
const FIELDS: Record<ReplyType, { required: readonly string[]; optional: readonly string[] }> = {
  text: { required: ['content'], optional: [] },
  image: { required: ['mediaId'], optional: [] },
  voice: { required: ['mediaId'], optional: [] },
  video: { required: ['mediaId'], optional: ['title', 'description'] },
  music: { required: ['thumbMediaId'], optional: ['title', 'description', 'musicUrl', 'hqMusicUrl'] },
  news: { required: ['articles'], optional: [] },
  transfer_customer_service: { required: [], optional: ['kfAccount'] },
};
const URL_FIELDS = new Set(['musicUrl', 'hqMusicUrl', 'url', 'picUrl']);
const ARTICLE_REQUIRED = ['title'] as const;
const ARTICLE_OPTIONAL = ['description', 'url', 'picUrl'] as const;

/**
 * Validates one reply object found at `path` of an operator's JSON, for use in `context`. Returns a fresh,
 * frozen {@link Reply} holding only the known fields, or every problem found.
 */
export function validateReplyObject(
  value: unknown,
  path: string,
  context: ReplyContext,
): { reply: Reply } | { problems: Problem[] } {
  const problems: Problem[] = [];
  const reply = checkReply(value, path, context, problems);
  return reply === undefined || problems.length > 0 ? { problems } : { reply };
}

/**
 * Like {@link validateReplyObject}, but appends to `problems`; returns `undefined` when the reply is unusable.
 * For validators that collect the problems of a whole file.
 */
export function checkReply(
  value: unknown,
  path: string,
  context: ReplyContext,
  problems: Problem[],
): Reply | undefined {
  if (!isJsonObject(value)) {
    problems.push({
      path,
      message: `must be a reply object like {"type": "text", "content": "…"} (got ${describeJson(value)})`,
    });
    return undefined;
  }
  const type = value.type;
  if (type === undefined) {
    problems.push({
      path: childPath(path, 'type'),
      message: `is required (one of ${REPLY_TYPES.join(', ')})`,
    });
    return undefined;
  }
  if (typeof type !== 'string' || !(REPLY_TYPES as readonly string[]).includes(type)) {
    const shown = typeof type === 'string' ? `"${type}"` : describeJson(type);
    problems.push({
      path: childPath(path, 'type'),
      message: `unknown reply type ${shown}; expected one of ${REPLY_TYPES.join(', ')}`,
    });
    return undefined;
  }
  const replyType = type as ReplyType;
  const { required, optional } = FIELDS[replyType];
  const before = problems.length;
  problems.push(
    ...unknownFieldProblems(value, ['type', ...required, ...optional], path, `a reply of type ${replyType}`),
  );

  const fields: Record<string, string> = {};
  for (const key of [...required, ...optional]) {
    if (key === 'articles') continue;
    const text = readString(value, key, path, problems, required.includes(key));
    if (text === undefined) continue;
    if (URL_FIELDS.has(key) && !isHttpUrl(text)) {
      problems.push({ path: childPath(path, key), message: 'must be an absolute http:// or https:// URL' });
      continue;
    }
    fields[key] = text;
  }

  let articles: NewsArticle[] | undefined;
  if (replyType === 'news')
    articles = checkArticles(value.articles, childPath(path, 'articles'), context, problems);
  if (problems.length > before) return undefined;

  const reply = replyType === 'news' ? { type: replyType, articles } : { type: replyType, ...fields };
  return Object.freeze(reply) as Reply;
}

function checkArticles(
  value: unknown,
  path: string,
  context: ReplyContext,
  problems: Problem[],
): NewsArticle[] | undefined {
  if (value === undefined) {
    problems.push({ path, message: 'is required: a list of {"title", "description"?, "url"?, "picUrl"?}' });
    return undefined;
  }
  if (!Array.isArray(value)) {
    problems.push({ path, message: `must be an array of articles (got ${describeJson(value)})` });
    return undefined;
  }
  const max = MAX_NEWS_ARTICLES[context];
  if (value.length === 0) problems.push({ path, message: 'must hold at least 1 article' });
  if (value.length > max) {
    // WeChat silently drops the extra articles (WECHAT-PROTOCOL.md §4.2); better to say so up front.
    const why =
      context === 'message'
        ? 'a reply to a user message shows only 1 article'
        : 'a reply to an event shows at most 8 articles';
    problems.push({ path, message: `has ${value.length} articles; ${why}` });
  }
  const articles: NewsArticle[] = [];
  value.forEach((item: unknown, index) => {
    const at = childPath(path, index);
    if (!isJsonObject(item)) {
      problems.push({
        path: at,
        message: `must be an article object {"title", …} (got ${describeJson(item)})`,
      });
      return;
    }
    problems.push(
      ...unknownFieldProblems(item, [...ARTICLE_REQUIRED, ...ARTICLE_OPTIONAL], at, 'a news article'),
    );
    const article: Record<string, string> = {};
    for (const key of [...ARTICLE_REQUIRED, ...ARTICLE_OPTIONAL]) {
      const text = readString(item, key, at, problems, key === 'title');
      if (text === undefined) continue;
      if (URL_FIELDS.has(key) && !isHttpUrl(text)) {
        problems.push({ path: childPath(at, key), message: 'must be an absolute http:// or https:// URL' });
        continue;
      }
      article[key] = text;
    }
    articles.push(Object.freeze(article) as unknown as NewsArticle);
  });
  return Object.freeze(articles) as NewsArticle[];
}
