import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { MAX_TEXT_BYTES } from '../admin-conversations.js';
import { OutsideWindowError, QuotaExceededError } from '../../kf/kf-errors.js';
import { InvalidCursorError } from '../../followers/follower-repo.js';
import { WechatApiError, WechatHttpError } from '../../wechat-api/errors.js';
import { sendPage, viewOf, type ConsoleDeps } from './console-deps.js';
import { inboxList, replyForm, type InboxView } from './conversation-views.js';
import { formString } from './form-fields.js';
import { renderFollowerPage } from './followers-routes.js';
import { html } from './html.js';
import { consolePage, type Flash } from './layout.js';
import { liveRegion, sendLive } from './live-region.js';
import { conversationPanel, loadConversation, type ConversationData } from './load-conversation.js';
import { notFoundPage } from './not-found.js';
import { consoleHref, segment, type ViewContext } from './view-context.js';

/** Conversations an inbox page lists; older ones are a page further (`Older →`). */
export const INBOX_LIMIT = 50;

/** WeChat's "invalid openid" and "require subscribe" (WECHAT-PROTOCOL.md §7). */
const INVALID_OPENID = 40003;
const REQUIRE_SUBSCRIBE = 43004;

/**
 * Conversations: the inbox (counts, an unanswered filter, newest first, paged, refreshed live), one
 * conversation (paged back in time, with follows and scans between the messages) with WeChat's reply
 * window, and the reply box that sends a customer-service message.
 */
export function conversationsRoutes(router: Router, deps: ConsoleDeps): void {
  const inbox = async (view: ViewContext, where: InboxView) => {
    const [page, counts] = await Promise.all([
      deps.wxoa.conversations.inbox({
        appid: view.appid,
        limit: INBOX_LIMIT,
        ...(where.unanswered ? { unanswered: true } : {}),
        ...(where.cursor ? { cursor: where.cursor } : {}),
      }),
      deps.wxoa.conversations.counts(view.appid),
    ]);
    return inboxList(view, page, counts, where);
  };
  const whereOf = (ctx: Context): InboxView => {
    const cursor =
      typeof ctx.query['cursor'] === 'string' && ctx.query['cursor'] ? ctx.query['cursor'] : undefined;
    return { unanswered: ctx.query['unanswered'] === 'true', cursor };
  };

  router.get('/admin/conversations', async (ctx) => {
    const view = viewOf(ctx);
    const where = whereOf(ctx);
    let list;
    try {
      list = await inbox(view, where);
    } catch (err) {
      if (!(err instanceof InvalidCursorError)) throw err;
      return notFoundPage(
        ctx,
        view,
        'This inbox page link is not valid any more; start again from the newest.',
      );
    }
    const live = consoleHref(view, '/admin/live/inbox', {
      ...(where.unanswered ? { unanswered: 'true' } : {}),
      cursor: where.cursor,
    });
    const body = html`<section class="card">
      <p class="muted small">Newest first. New messages appear here by themselves.</p>
      ${liveRegion(live, list)}
    </section>`;
    sendPage(ctx, consolePage(view, { title: 'Conversations', section: 'conversations', body }));
  });

  router.get('/admin/live/inbox', async (ctx) => {
    const view = viewOf(ctx);
    try {
      sendLive(ctx, await inbox(view, whereOf(ctx)));
    } catch (err) {
      if (!(err instanceof InvalidCursorError)) throw err;
      ctx.status = 400;
    }
  });

  router.get('/admin/conversations/:openid', async (ctx) => {
    await renderThreadPage(ctx, deps, ctx.params['openid'] ?? '', {});
  });

  router.get('/admin/live/conversations/:openid', async (ctx) => {
    const view = viewOf(ctx);
    const data = await loadConversation(deps.wxoa.store, view.appid, ctx.params['openid'] ?? '', view.now);
    sendLive(ctx, conversationPanel(data, view.now));
  });

  router.post('/admin/conversations/:openid/reply', async (ctx) => {
    const view = viewOf(ctx);
    const openid = ctx.params['openid'] ?? '';
    const text = formString(ctx.request.body, 'text');
    const back = formString(ctx.request.body, 'back') === 'follower' ? 'follower' : 'thread';
    const again = (error: string, status: number) =>
      back === 'follower'
        ? renderFollowerPage(ctx, deps, openid, { value: text, error, status })
        : renderThreadPage(ctx, deps, openid, { value: text, error, status });

    const problem = textProblem(text);
    if (problem) return again(problem, 400);
    try {
      await deps.wxoa.conversations.sendText(view.appid, openid, text, 'operator');
    } catch (err) {
      const refused = refusal(err);
      if (!refused) throw err;
      deps.log.info({ err, openid }, 'console reply not sent');
      return again(refused.message, refused.status);
    }
    const path =
      back === 'follower' ? `/admin/followers/${segment(openid)}` : `/admin/conversations/${segment(openid)}`;
    ctx.redirect(consoleHref(view, path, { sent: 1 }));
  });
}

/** One conversation with its reply box; rendered again with the operator's text when a send fails. */
async function renderThreadPage(
  ctx: Context,
  deps: ConsoleDeps,
  openid: string,
  reply: { value?: string; error?: string; status?: number },
): Promise<void> {
  const view = viewOf(ctx);
  const earlier =
    typeof ctx.query['earlier'] === 'string' && ctx.query['earlier'] ? ctx.query['earlier'] : undefined;
  let data: ConversationData;
  try {
    data = await loadConversation(deps.wxoa.store, view.appid, openid, view.now, earlier);
  } catch (err) {
    if (!(err instanceof InvalidCursorError)) throw err;
    return notFoundPage(ctx, view, 'This page of the conversation is not valid any more.');
  }
  if (!data.follower && data.messages.length === 0) {
    return notFoundPage(ctx, view, 'No follower of this account has this OpenID.');
  }
  const flash: Flash | null =
    ctx.query['sent'] === '1' && !reply.error ? { kind: 'ok', text: 'Reply sent.' } : null;
  const thread = consoleHref(view, `/admin/conversations/${segment(openid)}`);
  const pager = html`<div class="pager">
    ${earlier ? html`<a class="button secondary" href="${thread}">Newest messages</a>` : ''}
    ${data.earlier ? html`<a class="button secondary" rel="next" href="${consoleHref(view, `/admin/conversations/${segment(openid)}`, { earlier: data.earlier })}">← Earlier messages</a>` : ''}
  </div>`;
  // The newest page refreshes itself; an earlier page is history and stays still.
  const panel = earlier
    ? conversationPanel(data, view.now)
    : liveRegion(
        consoleHref(view, `/admin/live/conversations/${segment(openid)}`),
        conversationPanel(data, view.now),
      );
  const body = html`<p>
      <a href="${consoleHref(view, '/admin/conversations')}">← Inbox</a> · Follower
      <a class="mono" href="${consoleHref(view, `/admin/followers/${segment(openid)}`)}">${openid}</a>
      ${data.follower?.unionid ? html`<span class="muted small">UnionID <span class="mono">${data.follower.unionid}</span></span>` : ''}
    </p>
    <section class="card">${data.earlier || earlier ? pager : ''} ${panel}</section>
    <section class="card">
      ${replyForm(view, openid, {
        value: reply.value ?? '',
        error: reply.error,
        window: data.window,
        sent: flash !== null,
      })}
    </section>`;
  sendPage(
    ctx,
    consolePage(view, { title: 'Conversation', section: 'conversations', flash, body }),
    reply.status ?? 200,
  );
}

/** Why the reply text cannot be sent, or null. Same limits as the admin API. */
function textProblem(text: string): string | null {
  if (text.trim() === '') return 'Type a reply first.';
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_TEXT_BYTES) {
    return `A WeChat text message holds at most ${MAX_TEXT_BYTES} bytes (this one is ${bytes}); split it in two.`;
  }
  return null;
}

/** WeChat's refusals, as the operator should read them; null for anything that is our fault (a 500). */
function refusal(err: unknown): { status: number; message: string } | null {
  if (err instanceof OutsideWindowError) {
    return {
      status: 409,
      message:
        "Not sent: WeChat's reply window has closed (error 45015). Customer-service messages are allowed only " +
        "within 48 hours of the follower's last message (1 minute after a click, follow or scan); the window " +
        'reopens when they write again.',
    };
  }
  if (err instanceof QuotaExceededError) {
    return {
      status: 429,
      message:
        'Not sent: the message quota of this window is used up (error 45047). WeChat allows 5 messages per ' +
        '48-hour window after a message, 3 per minute after a click, follow or scan.',
    };
  }
  if (err instanceof WechatHttpError) {
    return {
      status: 502,
      message:
        err.kind === 'network'
          ? 'Not sent: WeChat could not be reached. Try again in a moment.'
          : 'WeChat did not answer in time: the message may or may not have arrived. Check before sending again.',
    };
  }
  if (err instanceof WechatApiError && err.errcode === REQUIRE_SUBSCRIBE) {
    return { status: 409, message: 'Not sent: this person no longer follows the account (error 43004).' };
  }
  if (err instanceof WechatApiError && err.errcode === INVALID_OPENID) {
    return {
      status: 404,
      message: 'Not sent: WeChat knows no follower of this account with this OpenID (error 40003).',
    };
  }
  if (err instanceof WechatApiError) {
    return { status: 502, message: `Not sent: WeChat refused the message (${err.errcode} ${err.errmsg}).` };
  }
  return null;
}
