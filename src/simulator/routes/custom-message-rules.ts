import { wxError, type WxApiError } from '../api-errors.js';
import { isRecord, isText } from './api-kit.js';

/**
 * The payload checks of message/custom/send (§6.7), as the WeChat error they would get: 40008 unknown
 * msgtype, 44004 empty text, 40007 missing media_id, 44003 / 45008 news with 0 / more than 1 article.
 * Fields without a documented code (msgmenu list, article_id, card_id, mini-program page) answer
 * 40035 "invalid args" (chosen).
 */
export function customMessageProblem(body: Record<string, unknown>): WxApiError | null {
  const msgtype = body['msgtype'];
  if (typeof msgtype !== 'string') return wxError(40008, 'msgtype missing');
  const payload = body[msgtype];
  const p = isRecord(payload) ? payload : {};
  const need = (name: string, code: number): WxApiError | null =>
    isText(p[name]) ? null : wxError(code, `${msgtype}.${name}`);
  switch (msgtype) {
    case 'text':
      return need('content', 44004);
    case 'image':
    case 'voice':
    case 'video':
    case 'mpnews':
      return need('media_id', 40007);
    case 'music':
      return need('thumb_media_id', 40007);
    case 'news': {
      const articles = p['articles'];
      if (!Array.isArray(articles) || articles.length === 0) return wxError(44003);
      // One article only since the 2018 change (§6.7).
      if (articles.length > 1) return wxError(45008, `${articles.length} articles, 1 allowed`);
      return isRecord(articles[0]) && isText(articles[0]['title'])
        ? null
        : wxError(44003, 'news.articles[0].title');
    }
    case 'mpnewsarticle':
      return need('article_id', 40035);
    case 'msgmenu': {
      const list = p['list'];
      const ok =
        Array.isArray(list) &&
        list.length > 0 &&
        list.every((i) => isRecord(i) && isText(i['id']) && isText(i['content']));
      return ok ? null : wxError(40035, 'msgmenu.list needs items with id and content');
    }
    case 'miniprogrampage':
      return need('appid', 40166) ?? need('pagepath', 40165) ?? need('thumb_media_id', 40007);
    case 'wxcard':
      return need('card_id', 40035);
    default:
      return wxError(40008, `msgtype ${msgtype}`);
  }
}
