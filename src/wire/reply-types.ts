/**
 * A passive reply, in the shape operators write in the config file (INTERFACE.md §2 "Reply objects").
 * wire/ renders it to WeChat's XML (WECHAT-PROTOCOL.md §4.2); replies/ and handlers produce it.
 */
export type Reply =
  | { type: 'text'; content: string }
  | { type: 'image'; mediaId: string }
  | { type: 'voice'; mediaId: string }
  | { type: 'video'; mediaId: string; title?: string; description?: string }
  | {
      type: 'music';
      thumbMediaId: string;
      title?: string;
      description?: string;
      musicUrl?: string;
      hqMusicUrl?: string;
    }
  | { type: 'news'; articles: NewsArticle[] }
  | { type: 'transfer_customer_service'; kfAccount?: string };

export interface NewsArticle {
  title: string;
  description?: string;
  url?: string;
  picUrl?: string;
}

export type ReplyType = Reply['type'];

/** The reply types in the order the protocol lists them; also the runtime check for config files. */
export const REPLY_TYPES = [
  'text',
  'image',
  'voice',
  'video',
  'music',
  'news',
  'transfer_customer_service',
] as const satisfies readonly ReplyType[];

/** At most 1 article when answering a user's message, 8 for events (WECHAT-PROTOCOL.md §4.2). */
export const MAX_NEWS_ARTICLES = { message: 1, event: 8 } as const;
