import type { InboundMessage } from '../wire/inbound-types.js';
import type { Reply } from '../wire/reply-types.js';

/** How a message appears in a conversation: its type and its text, or a short summary of it. */
export interface MessageSummary {
  /** WeChat's MsgType (`text`, `image` …), `event:CLICK` for a menu click, the reply type for outbound. */
  type: string;
  content: string;
}

/**
 * The conversation entry of an inbound push, or null for a push that is not the follower talking to the
 * account. Messages count, and so do menu clicks: a CLICK is how a follower asks through the menu, and it
 * opens a (1-minute) customer-service window (WECHAT-PROTOCOL.md §6.7), so an operator needs to see it.
 * Follows, scans and the rest are follower history (INTERFACE.md §4), not conversation.
 */
export function summarizeInbound(message: InboundMessage): MessageSummary | null {
  switch (message.MsgType) {
    case 'text':
      return { type: 'text', content: message.Content };
    case 'image':
      return { type: 'image', content: message.PicUrl || `[image ${message.MediaId}]` };
    case 'voice':
      // Recognition is only there with the legacy speech-recognition switch (§3.2); better than nothing.
      return { type: 'voice', content: message.Recognition ? `[voice] ${message.Recognition}` : '[voice]' };
    case 'video':
    case 'shortvideo':
      return { type: message.MsgType, content: `[${message.MsgType} ${message.MediaId}]` };
    case 'location':
      return {
        type: 'location',
        content: `${message.Label ? `${message.Label} ` : ''}(${message.Location_X}, ${message.Location_Y})`,
      };
    case 'link':
      return { type: 'link', content: [message.Title, message.Url].filter((s) => s).join(' ') };
    case 'event':
      return message.Event === 'CLICK' ? { type: 'event:CLICK', content: message.EventKey } : null;
    default:
      return null;
  }
}

/** The conversation entry of an outbound reply: text as is, media by id, music/video/news by title. */
export function summarizeReply(reply: Reply): MessageSummary {
  switch (reply.type) {
    case 'text':
      return { type: 'text', content: reply.content };
    case 'image':
    case 'voice':
      return { type: reply.type, content: `[${reply.type} ${reply.mediaId}]` };
    case 'video':
      return { type: 'video', content: reply.title ? `[video] ${reply.title}` : `[video ${reply.mediaId}]` };
    case 'music':
      return { type: 'music', content: reply.title ? `[music] ${reply.title}` : '[music]' };
    case 'news':
      return {
        type: 'news',
        content: reply.articles.map((a) => (a.url ? `${a.title} ${a.url}` : a.title)).join('\n'),
      };
    case 'transfer_customer_service':
      return {
        type: 'transfer_customer_service',
        content: reply.kfAccount
          ? `[transferred to ${reply.kfAccount}]`
          : '[transferred to customer service]',
      };
  }
}
