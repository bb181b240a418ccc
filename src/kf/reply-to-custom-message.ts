import type { CustomMessage } from '../wechat-api/custom-message.js';
import type { Reply } from '../wire/reply-types.js';

/** A customer-service `news` message takes exactly one article; more is refused with 45008 (§6.7). */
export const MAX_CUSTOM_NEWS_ARTICLES = 1;

/**
 * The customer-service message that delivers a passive reply later (WECHAT-PROTOCOL.md §6.7), or null for
 * `transfer_customer_service`, which only exists as a passive reply (§4.2): it hands the conversation to
 * WeChat's own agents and has no custom-message form. A news reply keeps its first article only — passive
 * replies to events may carry 8, a custom message 1, and WeChat itself drops the extra items of a passive
 * reply (§4.2), so the first article is what the follower would have seen first anyway.
 */
export function customMessageOfReply(reply: Reply, touser: string): CustomMessage | null {
  switch (reply.type) {
    case 'transfer_customer_service':
      return null;
    case 'news':
      return { touser, type: 'news', articles: reply.articles.slice(0, MAX_CUSTOM_NEWS_ARTICLES) };
    default:
      // Every other reply object is also a valid custom-message body (wechat-api/custom-message.ts).
      return { touser, ...reply };
  }
}
