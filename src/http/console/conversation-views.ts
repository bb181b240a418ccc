import type { ConversationMessage, InboxEntry } from '../../kf/message-repo.js';
import { csrfInput, textareaField } from './form-fields.js';
import { formatDuration, timeTag } from './format-time.js';
import { html, type Html } from './html.js';
import type { ServiceWindowState } from './service-window.js';
import { consoleHref, segment, type ViewContext } from './view-context.js';

const VIA: Record<string, string> = {
  operator: 'sent by an operator',
  passive: 'automatic reply',
  late: 'automatic reply, sent late through customer service',
};

/** A conversation as chat bubbles, oldest first: the follower on the left, the account on the right. */
export function threadList(messages: readonly ConversationMessage[]): Html {
  if (messages.length === 0)
    return html`<ul class="thread">
      <li class="empty">No messages yet.</li>
    </ul>`;
  const items = messages.map((m) => {
    const label = m.type === 'text' ? '' : m.type === 'event:CLICK' ? 'menu click: ' : `${m.type}: `;
    const meta = m.direction === 'out' ? (VIA[m.via ?? ''] ?? 'sent') : 'follower';
    return html`<li class="${m.direction}">
      <div class="bubble">${label ? html`<span class="muted">${label}</span>` : ''}${m.content}</div>
      <div class="meta">${meta} · ${timeTag(m.createTime)}</div>
    </li>`;
  });
  return html`<ul class="thread" aria-label="Conversation">
    ${items}
  </ul>`;
}

/** The customer-service window as a one-line notice above the reply box. */
export function windowNotice(state: ServiceWindowState, now: number): Html {
  if (state.open) {
    const why =
      state.opener === 'message'
        ? '48 hours after the follower’s last message'
        : '1 minute after the follower’s last click, follow or scan';
    return html`<p class="window open" data-window="open">
      Reply window open: closes in ${formatDuration(state.closesAt - now)}
      (${timeTag(Math.floor(state.closesAt / 1000))}) — WeChat allows customer-service messages for ${why}.
    </p>`;
  }
  if (state.reason === 'unfollowed') {
    return html`<p class="window closed" data-window="closed">
      Reply window closed: the follower
      unfollowed${state.closedAt === null ? '' : html` (${timeTag(Math.floor(state.closedAt / 1000))})`}.
      WeChat refuses messages to people who no longer follow.
    </p>`;
  }
  if (state.reason === 'never') {
    return html`<p class="window closed" data-window="closed">
      Reply window closed: this follower has not written yet. WeChat allows customer-service messages only
      within 48 hours of the follower’s last message.
    </p>`;
  }
  return html`<p class="window closed" data-window="closed">
    Reply window closed ${timeTag(Math.floor((state.closedAt ?? 0) / 1000))}: WeChat allows customer-service
    messages only within 48 hours of the follower’s last message. It reopens when they write again.
  </p>`;
}

/** The reply box: posts to the conversation, and comes back to `back` (the follower page or the thread). */
export function replyForm(
  view: ViewContext,
  openid: string,
  options: { value?: string; error?: string | undefined; back?: 'follower' | 'thread' } = {},
): Html {
  return html`<form
    method="post"
    class="stack"
    action="${consoleHref(view, `/admin/conversations/${segment(openid)}/reply`)}"
  >
    ${csrfInput(view.session)}
    <input type="hidden" name="back" value="${options.back ?? 'thread'}" />
    ${textareaField({
      name: 'text',
      label: 'Reply',
      value: options.value ?? '',
      error: options.error,
      hint: 'Sent as a WeChat customer-service message. Ctrl+Enter sends.',
      rows: 3,
      placeholder: 'Type your answer…',
    })}
    <div><button type="submit">Send reply</button></div>
  </form>`;
}

/** The inbox: newest conversation first, unanswered ones marked. */
export function inboxList(view: ViewContext, entries: readonly InboxEntry[]): Html {
  if (entries.length === 0) {
    return html`<p class="muted">
      No conversations yet. When a follower writes to the account, it appears here.
    </p>`;
  }
  const items = entries.map((e) => {
    const preview =
      (e.lastDirection === 'out' ? 'You: ' : '') +
      (e.lastType === 'text' ? '' : e.lastType === 'event:CLICK' ? '[menu click] ' : `[${e.lastType}] `) +
      e.lastContent;
    return html`<li class="${e.unanswered ? 'unanswered' : 'answered'}" data-openid="${e.openid}">
      <a href="${consoleHref(view, `/admin/conversations/${segment(e.openid)}`)}">
        <span class="who mono">${e.openid}</span>
        <span
          >${e.unanswered ? html`<span class="tag amber">unanswered</span> ` : ''}${timeTag(e.lastCreateTime)}</span
        >
        <span class="preview">${preview}</span>
      </a>
    </li>`;
  });
  return html`<ul class="inbox">
    ${items}
  </ul>`;
}
