import type { SentMessage } from '../../simulator/index.js';
import { timeTag } from './format-time.js';
import { html, type Html } from './html.js';
import type { SimulatorLogEntry } from './simulator-log.js';
import { consoleHref, segment, type ViewContext } from './view-context.js';

const ACTION: Record<SimulatorLogEntry['kind'], (detail: string) => string> = {
  follow: (scene) => (scene ? `You followed through QR scene “${scene}”` : 'You followed the account'),
  scan: (scene) => `You scanned QR scene “${scene}”`,
  click: (key) => `You tapped the menu button with key “${key}”`,
  view: (url) => `You opened the menu link ${url}`,
  unfollow: () => 'You unfollowed the account',
  text: () => '',
};

/**
 * The simulated follower's phone: their messages on the right, what the account sent on the left — the
 * passive replies the webhook gave (PushResult.reply) and the customer-service messages WeChat received for
 * them (`sentMessages`), in time order.
 */
export function phoneView(
  view: ViewContext,
  openid: string,
  entries: readonly SimulatorLogEntry[],
  sent: readonly SentMessage[],
  subscribed: boolean,
): Html {
  type Item = { at: number; order: number; markup: Html };
  const items: Item[] = [];
  entries.forEach((e, i) => {
    const when = timeTag(Math.floor(e.at / 1000));
    if (e.kind === 'text') {
      items.push({
        at: e.at,
        order: i * 2,
        markup: html`<li class="out">
          <div class="bubble">${e.detail}</div>
          <div class="meta">${when}</div>
        </li>`,
      });
    } else {
      items.push({
        at: e.at,
        order: i * 2,
        markup: html`<li class="note">${ACTION[e.kind](e.detail)} · ${when}</li>`,
      });
    }
    items.push({ at: e.at, order: i * 2 + 1, markup: resultItem(e) });
  });
  for (const m of sent) {
    if (m.touser !== openid) continue;
    items.push({
      at: m.time,
      order: Number.MAX_SAFE_INTEGER,
      markup: html`<li class="in" data-kf>
        <div class="bubble">${customMessageText(m)}</div>
        <div class="meta">customer service · ${timeTag(Math.floor(m.time / 1000))}</div>
      </li>`,
    });
  }
  items.sort((a, b) => a.at - b.at || a.order - b.order);
  const last = entries[entries.length - 1];
  return html`<div class="phone">
      <div class="bar">Official Account</div>
      <div class="body">
        <ul class="thread" aria-label="What the follower sees">
          ${
            items.length
              ? items.map((i) => i.markup)
              : html`<li class="empty">Nothing yet: follow the account first.</li>`
          }
        </ul>
      </div>
    </div>
    <p class="small center">
      ${subscribed ? html`<span class="tag green">following</span>` : html`<span class="tag red">not following</span>`}
      <span class="mono">${openid}</span> ·
      <a href="${consoleHref(view, `/admin/followers/${segment(openid)}`)}" data-follower-link
        >follower record →</a
      >
    </p>
    ${
      last
        ? html`<p class="small muted center" data-last-result>
            Last push: webhook answered ${last.result.status || 'nothing'} in ${last.result.ms}
            ms${last.result.deliveries > 1 ? html`, after ${last.result.deliveries} deliveries` : ''}.
          </p>`
        : ''
    }`;
}

/** The account's passive reply to an action, or why there was none. */
function resultItem(e: SimulatorLogEntry): Html {
  const { reply, replyError } = e.result;
  if (replyError)
    return html`<li class="note error">
      <div class="bubble">WeChat would reject the webhook’s answer: ${replyError}</div>
    </li>`;
  if (!reply) {
    return e.kind === 'unfollow' || e.kind === 'view'
      ? html``
      : html`<li class="note" data-no-reply>no automatic reply (the webhook answered “success”)</li>`;
  }
  return html`<li class="in" data-reply>
    <div class="bubble">${replyText(reply)}</div>
    <div class="meta">automatic reply</div>
  </li>`;
}

/** A passive reply (the XML fields, decrypted) as the WeChat client would show it. */
export function replyText(reply: Record<string, unknown>): string {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const nested = (name: string, field: string) => {
    const inner = reply[name];
    return inner && typeof inner === 'object' ? str((inner as Record<string, unknown>)[field]) : '';
  };
  switch (str(reply['MsgType'])) {
    case 'text':
      return str(reply['Content']);
    case 'news': {
      const articles = reply['Articles'];
      const items =
        articles && typeof articles === 'object' ? (articles as Record<string, unknown>)['item'] : [];
      const list = Array.isArray(items) ? items : [items];
      return list
        .filter((a): a is Record<string, unknown> => a !== null && typeof a === 'object')
        .map((a) => `📰 ${str(a['Title'])}${a['Description'] ? ` — ${str(a['Description'])}` : ''}`)
        .join('\n');
    }
    case 'image':
      return `[image ${nested('Image', 'MediaId')}]`;
    case 'voice':
      return `[voice ${nested('Voice', 'MediaId')}]`;
    case 'video':
      return `[video] ${nested('Video', 'Title') || nested('Video', 'MediaId')}`;
    case 'music':
      return `[music] ${nested('Music', 'Title')}`;
    case 'transfer_customer_service':
      return '[handed over to customer service]';
    default:
      return `[${str(reply['MsgType']) || 'unknown'} reply]`;
  }
}

/** A customer-service message (message/custom/send body) as the follower sees it. */
function customMessageText(m: SentMessage): string {
  const body = (m.body ?? {}) as Record<string, Record<string, unknown> | undefined>;
  if (m.msgtype === 'text') return String(body['text']?.['content'] ?? '');
  if (m.msgtype === 'news') {
    const articles = body['news']?.['articles'];
    return Array.isArray(articles)
      ? articles.map((a: { title?: string }) => `📰 ${a.title ?? ''}`).join('\n')
      : '[news]';
  }
  return `[${m.msgtype}]`;
}
