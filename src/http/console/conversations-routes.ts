import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { MAX_TEXT_BYTES } from '../admin-conversations.js';
import { OutsideWindowError, QuotaExceededError } from '../../kf/kf-errors.js';
import { WechatApiError, WechatHttpError } from '../../wechat-api/errors.js';
import { sendPage, viewOf, type ConsoleDeps } from './console-deps.js';
import { inboxList, replyForm } from './conversation-views.js';
import { formString } from './form-fields.js';
import { renderFollowerPage } from './followers-routes.js';
import { html } from './html.js';
import { consolePage, type Flash } from './layout.js';
import { liveRegion, sendLive } from './live-region.js';
import { conversationPanel, loadConversation } from './load-conversation.js';
import { notFoundPage } from './not-found.js';
import { consoleHref, segment } from './view-context.js';

/** Conversations the inbox lists. */
export const INBOX_LIMIT = 100;

/** WeChat's "invalid openid" and "require subscribe" (WECHAT-PROTOCOL.md §7). */
const INVALID_OPENID = 40003;
const REQUIRE_SUBSCRIBE = 43004;

/**
 * Conversations: the inbox (newest first, unanswered marked, refreshed live), one conversation with WeChat's
 * reply window, and the reply box that sends a customer-service message.
 */
export function conversationsRoutes(router: Router, deps: ConsoleDeps): void {
  const inbox = (appid: string) => deps.wxoa.conversations.inbox(appid, INBOX_LIMIT);

  router.get('/admin/conversations', async (ctx) => {
    const view = viewOf(ctx);
    const body = html`<section class="card">
      <p class="muted small">Newest first. New messages appear here by themselves.</p>
      ${liveRegion(consoleHref(view, '/admin/live/inbox'), inboxList(view, await inbox(view.appid)))}
    </section>`;
    sendPage(ctx, consolePage(view, { title: 'Conversations', section: 'conversations', body }));
  });

  router.get('/admin/live/inbox', async (ctx) => {
    const view = viewOf(ctx);
    sendLive(ctx, inboxList(view, await inbox(view.appid)));
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
  const data = await loadConversation(deps.wxoa.store, view.appid, openid, view.now);
  if (!data.follower && data.messages.length === 0) {
    return notFoundPage(ctx, view, 'No follower of this account has this OpenID.');
  }
  const flash: Flash | null =
    ctx.query['sent'] === '1' && !reply.error ? { kind: 'ok', text: 'Reply sent.' } : null;
  const body = html`<p>
      <a href="${consoleHref(view, '/admin/conversations')}">← Inbox</a> · Follower
      <a class="mono" href="${consoleHref(view, `/admin/followers/${segment(openid)}`)}">${openid}</a>
      ${data.follower?.unionid ? html`<span class="muted small">UnionID <span class="mono">${data.follower.unionid}</span></span>` : ''}
    </p>
    <section class="card">
      ${liveRegion(consoleHref(view, `/admin/live/conversations/${segment(openid)}`), conversationPanel(data, view.now))}
    </section>
    <section class="card">
      ${replyForm(view, openid, { value: reply.value ?? '', error: reply.error })}
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
