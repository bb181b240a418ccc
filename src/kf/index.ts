/** Customer service: the conversation with each follower, and answering them (INTERFACE.md §5). */
export {
  ConversationService,
  UnknownAccountError,
  type ConversationServiceOptions,
  type CustomMessageSender,
  type OutboundVia,
  type PushRef,
} from './conversation-service.js';
export {
  customerServiceError,
  OutsideWindowError,
  OUTSIDE_WINDOW_ERRCODE,
  QuotaExceededError,
  QUOTA_EXCEEDED_ERRCODE,
} from './kf-errors.js';
export type {
  ConversationMessage,
  ConversationMessageInput,
  InboxEntry,
  MessageDirection,
  MessageRepo,
} from './message-repo.js';
export {
  CONVERSATION_KINDS,
  summarizeInbound,
  summarizeReply,
  type MessageSummary,
} from './message-summary.js';
export { customMessageOfReply, MAX_CUSTOM_NEWS_ARTICLES } from './reply-to-custom-message.js';
export {
  EVENT_WINDOW_MS,
  EVENT_WINDOW_QUOTA,
  MESSAGE_WINDOW_MS,
  MESSAGE_WINDOW_QUOTA,
  replyWindow,
  type Allowance,
  type ReplyWindowInput,
  type ReplyWindowState,
} from './reply-window.js';
