import type { MessageFor } from '../bot/filter-queries.js';
import { FILTER_NAMES, filterName, type FilterName } from '../wire/filter-name.js';
import type { InboundMessage } from '../wire/inbound-types.js';
import type { Reply } from '../wire/reply-types.js';

/** How a message appears in a conversation: its type and its text, or a short summary of it. */
export interface MessageSummary {
  /** WeChat's MsgType (`text`, `image` …), `event:CLICK` for a menu click, the reply type for outbound. */
  type: string;
  content: string;
}

/** How one kind of push appears in a conversation; null for a kind that is not conversation. */
type Summarize<Q extends FilterName> = ((message: MessageFor<Q>) => MessageSummary) | null;

/**
 * The conversation entry of each kind of push, keyed by the filter table's kinds: a kind added to wire/
 * does not compile until it is given a summary or null here. Messages count, and so do menu clicks: a CLICK
 * is how a follower asks through the menu, and it opens a (1-minute) customer-service window
 * (WECHAT-PROTOCOL.md §6.7), so an operator needs to see it. Follows, scans and the rest are follower
 * history (INTERFACE.md §4), not conversation.
 */
const INBOUND_SUMMARIES: { readonly [Q in FilterName]: Summarize<Q> } = {
  'message:text': (m) => ({ type: 'text', content: m.Content }),
  'message:image': (m) => ({ type: 'image', content: m.PicUrl || `[image ${m.MediaId}]` }),
  // Recognition is only there with the legacy speech-recognition switch (§3.2); better than nothing.
  'message:voice': (m) => ({
    type: 'voice',
    content: m.Recognition ? `[voice] ${m.Recognition}` : '[voice]',
  }),
  'message:video': (m) => ({ type: m.MsgType, content: `[${m.MsgType} ${m.MediaId}]` }),
  'message:shortvideo': (m) => ({ type: m.MsgType, content: `[${m.MsgType} ${m.MediaId}]` }),
  'message:location': (m) => ({
    type: 'location',
    content: `${m.Label ? `${m.Label} ` : ''}(${m.Location_X}, ${m.Location_Y})`,
  }),
  'message:link': (m) => ({ type: 'link', content: [m.Title, m.Url].filter((s) => s).join(' ') }),
  'message:unknown': null,
  'event:subscribe': null,
  'event:unsubscribe': null,
  'event:scan': null,
  'event:location': null,
  'event:click': (m) => ({ type: 'event:CLICK', content: m.EventKey }),
  'event:view': null,
  'event:scancode_push': null,
  'event:scancode_waitmsg': null,
  'event:pic_sysphoto': null,
  'event:pic_photo_or_album': null,
  'event:pic_weixin': null,
  'event:location_select': null,
  'event:view_miniprogram': null,
  'event:templatesendjobfinish': null,
  'event:masssendjobfinish': null,
  'event:subscribe_msg_popup_event': null,
  'event:subscribe_msg_change_event': null,
  'event:subscribe_msg_sent_event': null,
  'event:kf_create_session': null,
  'event:kf_close_session': null,
  'event:kf_switch_session': null,
  'event:unknown': null,
};

/** The kinds of push that are conversation: what `recordInbound` selects with the composer's `on()`. */
export const CONVERSATION_KINDS: readonly FilterName[] = FILTER_NAMES.filter(
  (name) => INBOUND_SUMMARIES[name] !== null,
);

/** The conversation entry of an inbound push, or null for a push that is not the follower talking. */
export function summarizeInbound(message: InboundMessage): MessageSummary | null {
  // The table is typed per kind; filterName(message) is the kind this message has.
  const summarize = INBOUND_SUMMARIES[filterName(message)] as ((m: InboundMessage) => MessageSummary) | null;
  return summarize === null ? null : summarize(message);
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
