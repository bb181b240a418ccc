import type { ReplyWindowState } from '../../kf/reply-window.js';
import type { FollowerEvent } from '../../followers/follower.js';
import type { ConversationMessage, InboxCounts, InboxEntry } from '../../kf/message-repo.js';
import { csrfInput, textareaField } from './form-fields.js';
import { formatDuration, timeTag } from './format-time.js';
import { html, type Html } from './html.js';
import { consoleHref, segment, type ViewContext } from './view-context.js';

/** One line of a thread: a message, or a follow, scan or unfollow shown between the messages. */
export type ThreadItem = { message: ConversationMessage } | { event: FollowerEvent };

const VIA: Record<string, string> = {
  operator: 'sent by an operator',
  passive: 'automatic reply',
  late: 'automatic reply, sent late through customer service',
};

/**
 * A conversation as chat bubbles, oldest first: the follower on the left, the account on the right, and
 * follows, scans and unfollows as notes between them, so an automatic welcome explains itself.
 */
export function threadList(items: readonly ThreadItem[]): Html {
  if (items.length === 0)
    return html`<ul class="thread">
      <li class="empty">No messages yet.</li>
    </ul>`;
  const lines = items.map((item) => {
    if ('event' in item) return eventNote(item.event);
    const m = item.message;
    const label = m.type === 'text' ? '' : m.type === 'event:CLICK' ? 'menu click: ' : `${m.type}: `;
    const meta = m.direction === 'out' ? (VIA[m.via ?? ''] ?? 'sent') : 'follower';
    return html`<li class="${m.direction}">
      <div class="bubble">${label ? html`<span class="muted">${label}</span>` : ''}${m.content}</div>
      <div class="meta">${meta} · ${timeTag(m.createTime)}</div>
    </li>`;
  });
  return html`<ul class="thread" aria-label="Conversation">
    ${lines}
  </ul>`;
}

function eventNote(e: FollowerEvent): Html {
  const what =
    e.type === 'subscribe'
      ? e.scene
        ? html`Followed through QR scene “${e.scene}”`
        : html`Followed`
      : e.type === 'scan'
        ? html`Scanned QR scene “${e.scene ?? ''}” (already following)`
        : html`Unfollowed`;
  return html`<li class="note" data-event="${e.type}">${what} · ${timeTag(e.createTime)}</li>`;
}

const KIND_RULE = {
  message: 'within 48 hours of the follower’s last message',
  event: 'within 1 minute of the follower’s last click, follow or scan',
};

/** The customer-service window as a notice above the reply box: open with how many messages are left, or why not. */
export function windowNotice(state: ReplyWindowState, now: number): Html {
  if (state.open) {
    // The 48-hour allowance is the one an operator plans with; a click's minute comes on top of it (WeChat
    // spends that one first, as it ends first).
    const main = state.allowances.find((a) => a.kind === 'message') ?? state.allowances[0]!;
    const extra = state.allowances.find((a) => a !== main);
    const left = html`<strong data-left="${main.remaining}">${main.remaining} of ${main.quota} left</strong>`;
    // One interpolation per phrase: prettier may wrap template lines, and a wrapped phrase reads badly.
    const closes = `closes in ${formatDuration(main.closesAt - now)}`;
    const more = extra
      ? `, plus ${extra.remaining} more within ${formatDuration(extra.closesAt - now)} (the follower’s last click, follow or scan)`
      : '';
    return html`<p class="window open" data-window="open" data-remaining="${state.remaining}">
      Reply window open: ${left}, ${closes} (${timeTag(Math.floor(main.closesAt / 1000))})${more}. WeChat
      allows ${main.quota} customer-service messages ${KIND_RULE[main.kind]}.
    </p>`;
  }

  if (state.reason === 'unfollowed') {
    return html`<p class="window closed" data-window="closed" data-reason="unfollowed">
      Reply window closed: the follower
      unfollowed${state.closedAt === null ? '' : html` (${timeTag(Math.floor(state.closedAt / 1000))})`}.
      WeChat refuses messages to people who no longer follow; following again opens it for 1 minute only.
    </p>`;
  }
  if (state.reason === 'quota') {
    return html`<p class="window closed" data-window="closed" data-reason="quota">
      Reply window used up: <strong data-left="0">0 left</strong>. WeChat allows 5 customer-service messages
      per 48 hours after the follower’s message (3 per minute after a click, follow or scan); it opens again
      when they write.
    </p>`;
  }
  if (state.reason === 'never') {
    return html`<p class="window closed" data-window="closed" data-reason="never">
      Reply window closed: this follower has not written yet. WeChat allows customer-service messages only
      within 48 hours of the follower’s last message.
    </p>`;
  }
  return html`<p class="window closed" data-window="closed" data-reason="expired">
    Reply window closed ${timeTag(Math.floor((state.closedAt ?? 0) / 1000))}: WeChat allows customer-service
    messages only within 48 hours of the follower’s last message (1 minute after a click, follow or scan). It
    reopens when they write again.
  </p>`;
}

/** The reply box: posts to the conversation, and comes back to `back` (the follower page or the thread). */
export function replyForm(
  view: ViewContext,
  openid: string,
  options: {
    value?: string;
    error?: string | undefined;
    back?: 'follower' | 'thread';
    window?: ReplyWindowState;
    /** The page after a send: the console script drops the draft it kept (see console-script.ts). */
    sent?: boolean;
  } = {},
): Html {
  // Send is off while WeChat would refuse (45015/45047); the console script turns it on again when the live
  // window notice opens (a message from the follower), and the typed text stays.
  const closed = options.window !== undefined && !options.window.open;
  return html`<form
    method="post"
    class="stack"
    data-reply
    ${options.sent ? html`data-sent` : ''}
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
    <div>
      <button type="submit" ${closed ? html`disabled` : ''}>Send reply</button>
      ${closed ? html`<span class="hint" data-send-closed>Send is off: WeChat’s reply window is closed.</span>` : ''}
    </div>
  </form>`;
}

/** Where the inbox is: the filter and the page (the cursor of the page before). */
export interface InboxView {
  unanswered: boolean;
  cursor: string | undefined;
}

/** The inbox: counts, the unanswered filter, newest conversation first with unanswered ones marked, a pager. */
export function inboxList(
  view: ViewContext,
  page: { conversations: readonly InboxEntry[]; nextCursor: string | null },
  counts: InboxCounts,
  where: InboxView,
): Html {
  const filter = html`<p class="filters" data-counts>
    <a
      href="${consoleHref(view, '/admin/conversations')}"
      ${where.unanswered ? '' : html`aria-current="page"`}
      >All <span class="tag" data-count="total">${counts.total}</span></a
    >
    ·
    <a
      href="${consoleHref(view, '/admin/conversations', { unanswered: 'true' })}"
      ${where.unanswered ? html`aria-current="page"` : ''}
      >Unanswered
      <span class="tag ${counts.unanswered ? 'amber' : ''}" data-count="unanswered"
        >${counts.unanswered}</span
      ></a
    >
  </p>`;
  const entries = page.conversations;
  if (entries.length === 0) {
    const empty = where.unanswered
      ? 'Nothing waits for an answer.'
      : where.cursor
        ? 'No older conversations.'
        : 'No conversations yet. When a follower writes to the account, it appears here.';
    return html`${filter}
      <p class="muted">${empty}</p>`;
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
  const filters = where.unanswered ? { unanswered: 'true' } : {};
  return html`${filter}
    <ul class="inbox">
      ${items}
    </ul>
    <div class="pager">
      ${where.cursor ? html`<a class="button secondary" href="${consoleHref(view, '/admin/conversations', filters)}">← Newest</a>` : ''}
      ${page.nextCursor ? html`<a class="button secondary" rel="next" href="${consoleHref(view, '/admin/conversations', { ...filters, cursor: page.nextCursor })}">Older →</a>` : ''}
    </div>`;
}
