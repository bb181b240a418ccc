import type { InboundMessage } from './inbound-types.js';

const text = (v: unknown): string | undefined => {
  const t = typeof v === 'string' ? v.trim() : '';
  return t === '' ? undefined : t;
};

/**
 * The key under which WeChat's retries of one push are the same delivery (WECHAT-PROTOCOL.md §5,
 * INTERFACE.md §3): a message's `MsgId`, prefixed with its sender; an event's FromUserName + CreateTime +
 * Event + EventKey. Job-finish events carry no EventKey but a `MsgID`, which takes its place: two templates
 * delivered to one user in the same second are two events, not a retry.
 */
export function dedupKey(m: InboundMessage): string {
  if (m.MsgType === 'event') {
    let event: string;
    let discriminator: string | undefined;
    if (m.Event === 'unknown') {
      event = m.OriginalEvent;
      discriminator = text(m.fields.EventKey) ?? text(m.fields.MsgID) ?? text(m.fields.MsgId);
    } else {
      event = m.Event;
      discriminator = 'EventKey' in m ? m.EventKey : 'MsgID' in m ? m.MsgID : undefined;
    }
    // EventKey is last: it is free text, the fields before it cannot contain '|'.
    return `event|${m.FromUserName}|${m.CreateTime}|${event}|${discriminator ?? ''}`;
  }
  if (m.MsgType === 'unknown') {
    const msgId = text(m.fields.MsgId) ?? text(m.fields.MsgID);
    // Without an id, sender + time + kind is the best identity left.
    return msgId !== undefined
      ? `message|${m.FromUserName}|${msgId}`
      : `message|${m.FromUserName}|${m.CreateTime}|${m.OriginalMsgType}`;
  }
  return `message|${m.FromUserName}|${m.MsgId}`;
}
