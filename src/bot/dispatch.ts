import type { Logger } from '../logger.js';
import type { InboundMessage } from '../wire/index.js';
import type { Reply } from '../wire/reply-types.js';
import type { MiddlewareFn, NextFunction } from './composer.js';
import { Context, pushIdentity } from './context.js';
import { effectsStoring, PushNotHandledError } from './push-effects.js';
import { realTimers, type Timers } from './timers.js';

/** The no-reply answer WeChat recommends (WECHAT-PROTOCOL.md §4.1). */
export const SUCCESS = 'success';

/** How a dispatched push was answered. */
export type DispatchOutcome =
  | { kind: 'reply'; xml: string; reply: Reply } // a handler replied within the budget
  | { kind: 'none' } // the chain finished without a reply
  | { kind: 'timeout' } // the budget ran out first; a later reply goes to onLateReply
  | { kind: 'error'; error: unknown } // a handler threw before replying (already logged)
  | { kind: 'unhandled'; error: PushNotHandledError }; // the push's effects could not be stored (logged)

/** What `dispatch` needs besides the middleware and the message. */
export interface DispatchOptions {
  appid: string;
  dedupKey: string;
  logger: Logger;
  /** Unix milliseconds. */
  clock: () => number;
  /** Milliseconds the handlers get before the push is answered without them. */
  budgetMs: number;
  /** A reply made after the budget ran out (the push was already answered 'success'). */
  onLateReply: (reply: Reply, xml: string) => void;
  /** The budget's timer; default the real one. */
  timers?: Timers | undefined;
}

/** A push on its way through the handlers. */
export interface Dispatch {
  /** Resolves as soon as the answer is known; never rejects. */
  outcome: Promise<DispatchOutcome>;
  /** Resolves when the handler chain has finished, also long after a timeout; never rejects. */
  done: Promise<void>;
}

/**
 * Runs one push through the middleware. The outcome is known as soon as possible: at the first
 * `ctx.reply()`, when the chain ends, when a handler throws, or when the budget runs out — so work a
 * handler does after replying never holds up the HTTP response (INTERFACE.md §3, "answered well inside
 * WeChat's 5-second limit").
 */
export function dispatch(
  middleware: MiddlewareFn<Context>,
  message: InboundMessage,
  options: DispatchOptions,
): Dispatch {
  let done!: Promise<void>;
  const timers = options.timers ?? realTimers;
  const outcome = new Promise<DispatchOutcome>((resolve) => {
    let answered = false;
    let timer: unknown;
    let armed = false;
    const answer = (outcome: DispatchOutcome): void => {
      if (answered) return;
      answered = true;
      if (armed) timers.clearTimeout(timer);
      resolve(outcome);
    };
    const ctx = new Context(message, {
      appid: options.appid,
      dedupKey: options.dedupKey,
      logger: options.logger,
      clock: options.clock,
      onReply: (xml, reply) => {
        if (!answered) answer({ kind: 'reply', xml, reply });
        else options.onLateReply(reply, xml);
      },
    });
    const budgetRanOut = (): void => {
      if (answered) return;
      const identity = pushIdentity(options.appid, message, options.dedupKey);
      const storing = effectsStoring(ctx);
      if (storing !== undefined) {
        // Acknowledging now could acknowledge a push whose follower event is then lost: the answer waits
        // for the effects (a failure is answered by the chain's rejection below).
        options.logger.warn(
          { ...identity, budgetMs: options.budgetMs },
          'reply budget ran out while storing the push; answering once it is stored',
        );
        storing.then(
          () => answer({ kind: 'timeout' }),
          () => undefined,
        );
        return;
      }
      options.logger.warn(
        { ...identity, budgetMs: options.budgetMs },
        'handlers still running when the reply budget ran out; answered success',
      );
      answer({ kind: 'timeout' });
    };

    let nextCalled = false;
    const end: NextFunction = () => {
      if (nextCalled) return Promise.reject(new Error('next() called twice by one middleware'));
      nextCalled = true;
      return Promise.resolve();
    };
    done = run(middleware, ctx, end).then(
      () => {
        answer({ kind: 'none' });
      },
      (error: unknown) => {
        const identity = pushIdentity(options.appid, message, options.dedupKey);
        if (error instanceof PushNotHandledError && !answered) {
          options.logger.error(
            { err: error, ...identity },
            'could not store the push; answered with an error so that WeChat delivers it again',
          );
          answer({ kind: 'unhandled', error });
          return;
        }
        // Logged with the push's identity and no secrets; the client only ever sees 'success'.
        options.logger.error(
          { err: error, ...identity, replied: ctx.replied },
          ctx.replied ? 'handler threw after replying' : 'handler threw; answered success',
        );
        answer({ kind: 'error', error });
      },
    );
    // The chain ran up to its first wait: a handler that replied synchronously needs no budget timer (a
    // timer set and cleared per push was about a microsecond of the webhook's CPU). Arming it only now
    // moves no deadline: Node counts a timer from the event loop's time, taken before this turn began.
    if (!answered) {
      timer = timers.setTimeout(budgetRanOut, options.budgetMs);
      armed = true;
    }
  });
  return { outcome, done };
}

/** Calls the middleware so that a synchronous throw becomes a rejection like an async one. */
async function run(middleware: MiddlewareFn<Context>, ctx: Context, next: NextFunction): Promise<void> {
  await middleware(ctx, next);
}
