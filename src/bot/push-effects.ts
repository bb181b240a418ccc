import { Composer, type Middleware, type MiddlewareFn } from './composer.js';
import type { Context } from './context.js';

/**
 * Thrown when a push's effects (its follower event, its inbound message) could not be stored. The webhook
 * then answers with an error and drops its claim, so WeChat delivers the push again (INTERFACE.md §3:
 * `200` means handled). Any other error of a handler is the handler's bug: it is logged and answered
 * `success`, because delivering the push again would not fix it.
 */
export class PushNotHandledError extends Error {
  override readonly name = 'PushNotHandledError';
}

/** Pushes whose effects are being stored: settles when they are (or rejects when they failed). */
const storing = new WeakMap<Context, Promise<void>>();

/**
 * Marks `middleware` as the push's effects: any error it throws before calling `next()` means the push was
 * not handled (a `PushNotHandledError`), and when the reply budget runs out while it is still storing, the
 * answer waits for it instead of acknowledging a push whose effects may yet be lost. Errors of the
 * handlers after it (below its `next()`) are left alone.
 */
export function pushEffects<C extends Context>(...middleware: Array<Middleware<C>>): MiddlewareFn<C> {
  const inner = new Composer<C>(...middleware).middleware();
  return async (ctx, next) => {
    let settle!: (error?: PushNotHandledError) => void;
    const stored = new Promise<void>((resolve, reject) => {
      settle = (error) => {
        if (storing.get(ctx) === stored) storing.delete(ctx);
        if (error) reject(error);
        else resolve();
      };
    });
    stored.catch(() => undefined); // only looked at when the budget runs out
    storing.set(ctx, stored);
    let passed = false;
    try {
      await inner(ctx, () => {
        passed = true;
        settle();
        return next();
      });
    } catch (err) {
      if (passed) throw err;
      const error =
        err instanceof PushNotHandledError
          ? err
          : new PushNotHandledError('could not store the effects of the push', { cause: err });
      settle(error);
      throw error;
    }
    if (!passed) settle(); // the effects ended the chain on purpose
  };
}

/** The effects of `ctx`'s push still being stored, if any. */
export function effectsStoring(ctx: Context): Promise<void> | undefined {
  return storing.get(ctx);
}
