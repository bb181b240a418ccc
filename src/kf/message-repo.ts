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

/** The conversation with each follower (customer service). */
export interface MessageRepo {
  /** Returns false when an inbound message with the same msgId was already recorded. */
  add(message: ConversationMessageInput): Promise<boolean>;
  /** Oldest first. */
  list(appid: string, openid: string, limit?: number): Promise<ConversationMessage[]>;
  /** Newest conversation first. */
  inbox(appid: string, limit: number): Promise<InboxEntry[]>;
}
