export type MessageDirection = 'in' | 'out';

export interface ConversationMessageInput {
  appid: string;
  openid: string;
  direction: MessageDirection;
  /** WeChat's MsgType for inbound ('text', 'image', 'event:CLICK' …); for outbound the reply type. */
  type: string;
  /** Text content, or a short summary for non-text types. */
  content: string;
  createTime: number;
  /** How an outbound message went: 'passive' | 'late' | 'operator'. */
  via?: string;
  /** Inbound MsgId: unique per account, so a retried push is recorded once. */
  msgId?: string;
}

export interface ConversationMessage {
  direction: MessageDirection;
  type: string;
  content: string;
  createTime: number;
  via: string | null;
}

export interface InboxEntry {
  openid: string;
  unionid: string | null;
  lastType: string;
  lastContent: string;
  lastCreateTime: number;
  lastDirection: MessageDirection;
  /** Unix seconds of the follower's last inbound message (opens WeChat's 48-hour window), null if none. */
  lastInboundTime: number | null;
  /** True when the newest message is inbound: nobody has answered it yet. */
  unanswered: boolean;
}

/** A page of the inbox (INTERFACE.md §5 `GET /api/conversations`). */
export interface InboxQuery {
  appid: string;
  limit: number;
  /** The `nextCursor` of the page before. */
  cursor?: string;
  /** Only conversations whose last word is the follower's. */
  unanswered?: boolean;
}

/** How many conversations an account has, and how many of them wait for an answer. */
export interface InboxCounts {
  total: number;
  unanswered: number;
}

/** A page of one conversation: the newest messages first, `nextCursor` leading to earlier ones. */
export interface MessagePageQuery {
  appid: string;
  openid: string;
  limit: number;
  cursor?: string;
}

/** One page of a conversation. */
export interface MessagePage {
  /** Oldest first. */
  messages: ConversationMessage[];
  /** The page of earlier messages; null when this page reaches the first message. */
  nextCursor: string | null;
  /** createTime where the newer page (the one whose cursor was given) begins; null on the newest page. */
  newerFrom: number | null;
}

/** The conversation with each follower (customer service). */
export interface MessageRepo {
  /** Returns false when an inbound message with the same msgId was already recorded. */
  add(message: ConversationMessageInput): Promise<boolean>;
  /** Oldest first; with a limit, the newest `limit` messages (still oldest first). */
  list(appid: string, openid: string, limit?: number): Promise<ConversationMessage[]>;
  /**
   * One page of a conversation, as a chat shows it: the page holds the newest messages not on earlier pages,
   * oldest first within it; `nextCursor` (null at the first message) leads to the page before them.
   */
  page(query: MessagePageQuery): Promise<MessagePage>;
  /** Messages with createTime at or after `since` (Unix seconds), oldest first: the reply window's inputs. */
  since(appid: string, openid: string, since: number): Promise<ConversationMessage[]>;
  /** Newest conversation first, keyset-paged: following `nextCursor` until null reaches every conversation. */
  inbox(query: InboxQuery): Promise<{ conversations: InboxEntry[]; nextCursor: string | null }>;
  /** Counted from the per-conversation summary rows (indexes only), never from the messages. */
  counts(appid: string): Promise<InboxCounts>;
}
