import { Composer, type NextFunction } from '../bot/composer.js';
import { pushIdentity, type Context } from '../bot/context.js';
import { PushNotHandledError } from '../bot/push-effects.js';
import { silentLogger, withBindings, type Logger } from '../logger.js';
import type {
  ConversationMessage,
  InboxCounts,
  InboxEntry,
  InboxQuery,
  MessagePage,
  MessagePageQuery,
  MessageRepo,
} from './message-repo.js';
import type { CustomMessage } from '../wechat-api/custom-message.js';
import type { InboundMessage } from '../wire/inbound-types.js';
import type { Reply } from '../wire/reply-types.js';
import { customerServiceError } from './kf-errors.js';
import { CONVERSATION_KINDS, summarizeInbound, summarizeReply } from './message-summary.js';
import { customMessageOfReply } from './reply-to-custom-message.js';

/** What customer service needs of the WeChat API client: `message/custom/send` (WECHAT-PROTOCOL.md §6.7). */
export interface CustomMessageSender {
  sendCustomMessage(message: CustomMessage): Promise<void>;
}

/** How an outbound message went: the push's own reply, a reply that missed the deadline, or an operator. */
export type OutboundVia = 'passive' | 'late' | 'operator';

/** Which push a reply answers: the account and the follower (the webhook's push identity has both). */
export interface PushRef {
  appid: string;
  openid: string;
  /** The push itself and its dedup key, when known: its log lines then carry the whole push identity. */
  message?: InboundMessage;
  dedupKey?: string;
}

/** The fields that name a push in a log line: the whole identity when the webhook gave it. */
function identityOf(push: PushRef): Record<string, string> {
  return push.message !== undefined && push.dedupKey !== undefined
    ? pushIdentity(push.appid, push.message, push.dedupKey)
    : { appid: push.appid, openid: push.openid };
}

/** Options of {@link ConversationService}. */
export interface ConversationServiceOptions {
  messages: MessageRepo;
  /** The API client of an account; undefined for an account this process does not serve. */
  apiFor: (appid: string) => CustomMessageSender | undefined;
  /** Unix milliseconds; outbound messages are stamped with it. Default Date.now. */
  clock?: () => number;
  logger?: Logger;
}

/** No API client for the account a message should go to: a wiring mistake, not the follower's fault. */
export class UnknownAccountError extends Error {
  override readonly name = 'UnknownAccountError';
  constructor(readonly appid: string) {
    super(`no WeChat API client for account ${appid}`);
  }
}

/**
 * The conversation between an account and each follower (INTERFACE.md §5 conversations): every inbound
 * message is recorded, and so is every answer — the passive reply a push got, a reply that missed WeChat's
 * 5-second deadline and went out late through the customer-service API, and what an operator typed.
 *
 * Outbound messages go through `message/custom/send` (WECHAT-PROTOCOL.md §6.7) and are recorded only once
 * WeChat accepted them, so the history never shows a message the follower did not get. WeChat's refusals
 * become {@link OutsideWindowError} (45015) and {@link QuotaExceededError} (45047).
 */
export class ConversationService {
  readonly #messages: MessageRepo;
  readonly #apiFor: (appid: string) => CustomMessageSender | undefined;
  readonly #clock: () => number;
  readonly #log: Logger;

  constructor(options: ConversationServiceOptions) {
    this.#messages = options.messages;
    this.#apiFor = options.apiFor;
    this.#clock = options.clock ?? Date.now;
    this.#log = withBindings(options.logger ?? silentLogger, { module: 'kf' });
    this.recordInbound.on(CONVERSATION_KINDS, this.#recordInbound);
  }

  /**
   * Bot middleware recording each inbound message and menu click, then calling `next()`: register it with
   * `bot.use(conversations.recordInbound)` before the reply handlers. The message's MsgId makes a retried
   * delivery (also one reaching another instance) a single entry. A store failure throws a
   * `PushNotHandledError`: the push is answered with an error so WeChat delivers it again, rather than
   * acknowledged with its message missing from the transcript (INTERFACE.md §3). Which pushes are
   * conversation is message-summary.ts's table ({@link CONVERSATION_KINDS}), selected with the composer's `on()`.
   */
  readonly recordInbound: Composer<Context> = new Composer<Context>();

  /** Records one inbound push that `recordInbound` let through, then calls `next()`. */
  readonly #recordInbound = async (
    ctx: Pick<Context, 'appid' | 'message' | 'dedupKey'>,
    next: NextFunction,
  ): Promise<void> => {
    const summary = summarizeInbound(ctx.message);
    if (summary !== null) {
      try {
        await this.#messages.add({
          appid: ctx.appid,
          openid: ctx.message.FromUserName,
          direction: 'in',
          type: summary.type,
          content: summary.content,
          createTime: Number(ctx.message.CreateTime),
          msgId: inboundKey(ctx.message, ctx.dedupKey),
        });
      } catch (err) {
        throw new PushNotHandledError('could not record the inbound message', { cause: err });
      }
    }
    await next();
  };

  /**
   * Records the passive reply the webhook sent for a push, as outbound `passive`. The server calls it once
   * the reply is decided (not for `success`); a failure is logged, never thrown, because the reply has
   * already gone.
   */
  readonly recordPassiveReply = async (push: PushRef, reply: Reply): Promise<void> => {
    const summary = summarizeReply(reply);
    try {
      await this.#messages.add({
        appid: push.appid,
        openid: push.openid,
        direction: 'out',
        type: summary.type,
        content: summary.content,
        createTime: this.#now(),
        via: 'passive',
      });
    } catch (err) {
      this.#log.error({ err, ...identityOf(push) }, 'recording a passive reply failed');
    }
  };

  /**
   * Delivers a reply that missed the reply budget (the push was answered `success`) through the
   * customer-service API, recorded as `late`. For the webhook's `lateReplySink` option. Never rejects:
   * nobody is waiting for it, so a refusal (window, quota, WeChat down) is logged.
   */
  readonly lateReplySink = async (push: PushRef, reply: Reply): Promise<void> => {
    try {
      await this.sendReply(push.appid, push.openid, reply, 'late');
    } catch (err) {
      this.#log.warn({ err, ...identityOf(push), type: reply.type }, 'late reply not delivered');
    }
  };

  /** Sends a text customer-service message and records it; throws as {@link sendReply} does. */
  sendText(appid: string, openid: string, text: string, via: OutboundVia): Promise<ConversationMessage> {
    const reply: Reply = { type: 'text', content: text };
    return this.#send(appid, { touser: openid, ...reply }, reply, via);
  }

  /**
   * Sends a reply object as a customer-service message and records it as outbound, returning the recorded
   * entry. `transfer_customer_service` has no customer-service form: nothing is sent, null is returned.
   * Throws OutsideWindowError (45015), QuotaExceededError (45047), UnknownAccountError, or the client's
   * WechatApiError / WechatHttpError; nothing is recorded then.
   */
  async sendReply(
    appid: string,
    openid: string,
    reply: Reply,
    via: OutboundVia,
  ): Promise<ConversationMessage | null> {
    const message = customMessageOfReply(reply, openid);
    if (message === null) {
      this.#log.info(
        { appid, openid, via },
        'transfer_customer_service has no customer-service message form; skipped',
      );
      return null;
    }
    // The record shows what was sent: a news reply cut to its first article is recorded so.
    const sent: Reply = message.type === 'news' ? { type: 'news', articles: message.articles } : reply;
    return this.#send(appid, message, sent, via);
  }

  async #send(
    appid: string,
    message: CustomMessage,
    reply: Reply,
    via: OutboundVia,
  ): Promise<ConversationMessage> {
    const openid = message.touser;
    const api = this.#apiFor(appid);
    if (api === undefined) throw new UnknownAccountError(appid);
    try {
      await api.sendCustomMessage(message);
    } catch (err) {
      throw customerServiceError(err, openid);
    }
    const summary = summarizeReply(reply);
    const entry: ConversationMessage = {
      direction: 'out',
      type: summary.type,
      content: summary.content,
      createTime: this.#now(),
      via,
    };
    try {
      await this.#messages.add({ appid, openid, ...entry, via });
    } catch (err) {
      // The follower has the message; failing here would make an operator send it again.
      this.#log.error({ err, appid, openid, via }, 'message sent but recording it failed');
    }
    return entry;
  }

  /** The conversation with one follower, oldest first (with a limit: the newest `limit`). */
  history(appid: string, openid: string, limit?: number): Promise<ConversationMessage[]> {
    return this.#messages.list(appid, openid, limit);
  }

  /** One page of a conversation: the newest messages first come, oldest first within the page. */
  historyPage(query: MessagePageQuery): Promise<MessagePage> {
    return this.#messages.page(query);
  }

  /**
   * One page of the account's conversations, newest first; `unanswered` marks (and `query.unanswered`
   * keeps only) those whose last message is the follower's.
   */
  inbox(query: InboxQuery): Promise<{ conversations: InboxEntry[]; nextCursor: string | null }> {
    return this.#messages.inbox(query);
  }

  /** How many conversations the account has, and how many wait for an answer. */
  counts(appid: string): Promise<InboxCounts> {
    return this.#messages.counts(appid);
  }

  #now(): number {
    return Math.floor(this.#clock() / 1000);
  }
}

/**
 * The key that makes a retried push one entry: the MsgId of a message (64-bit, kept a string), and for a
 * menu click, which has none, the push's dedup key (FromUserName + CreateTime + Event + EventKey, §5).
 */
function inboundKey(message: InboundMessage, dedupKey: string): string {
  return message.MsgType !== 'event' && 'MsgId' in message && message.MsgId
    ? message.MsgId
    : `event:${dedupKey}`;
}
