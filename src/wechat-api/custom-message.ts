import type { NewsArticle } from '../wire/reply-types.js';

/**
 * A customer-service message (WECHAT-PROTOCOL.md §6.7), written like the reply objects of the config file
 * (wire/reply-types.ts): every passive reply except `transfer_customer_service` is also a valid message
 * body here, so a reply that missed WeChat's 5-second deadline can be delivered late unchanged.
 */
export type CustomMessageBody =
  | { type: 'text'; content: string }
  | { type: 'image'; mediaId: string }
  | { type: 'voice'; mediaId: string }
  | { type: 'video'; mediaId: string; thumbMediaId?: string; title?: string; description?: string }
  | {
      type: 'music';
      thumbMediaId: string;
      title?: string;
      description?: string;
      musicUrl?: string;
      hqMusicUrl?: string;
    }
  /** Exactly one article: WeChat answers 45008 to more. */
  | { type: 'news'; articles: NewsArticle[] }
  /** A published article (the draft/publish APIs' article_id). */
  | { type: 'mpnewsarticle'; articleId: string }
  /** Tappable choices; a tap comes back as a text message carrying `<bizmsgmenuid>`. */
  | {
      type: 'msgmenu';
      headContent?: string;
      list: Array<{ id: string; content: string }>;
      tailContent?: string;
    }
  | { type: 'miniprogrampage'; title: string; appid: string; pagepath: string; thumbMediaId: string }
  | { type: 'wxcard'; cardId: string };

/** A customer-service message to one follower. */
export type CustomMessage = CustomMessageBody & {
  /** The recipient's OpenID. */
  touser: string;
  /** Send as this agent (`customservice.kf_account`, e.g. `test1@kftest`). */
  kfAccount?: string;
};

/** The message types accepted by {@link CustomMessageBody}. */
export type CustomMessageType = CustomMessageBody['type'];

/** The JSON body of `message/custom/send` (§6.7 table), wire names verbatim. */
export function customMessageBody(msg: CustomMessage): Record<string, unknown> {
  const body: Record<string, unknown> = { touser: msg.touser, msgtype: msg.type, [msg.type]: payload(msg) };
  if (msg.kfAccount !== undefined) body['customservice'] = { kf_account: msg.kfAccount };
  return body;
}

function payload(msg: CustomMessageBody): Record<string, unknown> {
  switch (msg.type) {
    case 'text':
      return { content: msg.content };
    case 'image':
    case 'voice':
      return { media_id: msg.mediaId };
    case 'video':
      return {
        media_id: msg.mediaId,
        thumb_media_id: msg.thumbMediaId,
        title: msg.title,
        description: msg.description,
      };
    case 'music':
      return {
        title: msg.title,
        description: msg.description,
        musicurl: msg.musicUrl,
        hqmusicurl: msg.hqMusicUrl,
        thumb_media_id: msg.thumbMediaId,
      };
    case 'news':
      return {
        articles: msg.articles.map((a) => ({
          title: a.title,
          description: a.description,
          url: a.url,
          picurl: a.picUrl,
        })),
      };
    case 'mpnewsarticle':
      return { article_id: msg.articleId };
    case 'msgmenu':
      return {
        head_content: msg.headContent,
        list: msg.list.map((item) => ({ id: item.id, content: item.content })),
        tail_content: msg.tailContent,
      };
    case 'miniprogrampage':
      return { title: msg.title, appid: msg.appid, pagepath: msg.pagepath, thumb_media_id: msg.thumbMediaId };
    case 'wxcard':
      return { card_id: msg.cardId };
  }
}
