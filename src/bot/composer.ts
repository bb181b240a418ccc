import type { Context } from './context.js';
import { matchFilterQueries, type FilterQuery, type MessageFor } from './filter-queries.js';

/** Calls the rest of the chain; at most once per middleware. */
export type NextFunction = () => Promise<void>;

/** A middleware function (Koa / grammY style). */
export type MiddlewareFn<C extends Context = Context> = (ctx: C, next: NextFunction) => unknown;

/** Anything that can produce a middleware function, e.g. a `Composer`. */
export interface MiddlewareObj<C extends Context = Context> {
  middleware(): MiddlewareFn<C>;
}

/** What `use()` and the other registration methods accept. */
export type Middleware<C extends Context = Context> = MiddlewareFn<C> | MiddlewareObj<C>;

/** `ctx` narrowed by a filter query: `ctx.message` has the type of the matching message or event. */
export type Filter<C extends Context, Q extends FilterQuery> = C & { message: MessageFor<Q> };

/** `ctx` in a `hears()` handler: a text message and what matched. */
export type HearsContext<C extends Context> = Filter<C, 'message:text'> & {
  match: string | RegExpMatchArray;
};

/** `ctx` in a `click()` handler: a menu CLICK and what matched. */
export type ClickContext<C extends Context> = Filter<C, 'event:click'> & { match: string | RegExpMatchArray };

/** `ctx` in a `scene()` handler: a follow or scan through a QR scene, which is never null here. */
export type SceneContext<C extends Context> = Filter<C, 'event:subscribe' | 'event:scan'> & {
  scene: string;
  match: string | RegExpMatchArray;
};

/** A string matches exactly; a RegExp matches anywhere unless anchored. */
export type Trigger = string | RegExp;

type MaybePromise<T> = T | Promise<T>;

/**
 * Handler registration (grammY's Composer). Everything reduces to one algebra: `on`, `hears`, `click` and
 * `scene` are `filter(predicate)`, and `filter` is `use` of a branch. Middleware runs in registration order;
 * a middleware that does not call `next()` ends the chain.
 */
export class Composer<C extends Context = Context> implements MiddlewareObj<C> {
  #handler: MiddlewareFn<C>;
  #started = false;
  /** Starts the composers reachable from this one: registering on them after the start throws too. */
  readonly #children: Array<() => void> = [];

  constructor(...middleware: Middleware<C>[]) {
    this.#handler = middleware.length === 0 ? pass : middleware.map((m) => this.#adopt(m)).reduce(concat);
  }

  /**
   * The whole composer as one middleware function. The first push through it freezes this composer and
   * every composer registered below it.
   */
  middleware(): MiddlewareFn<C> {
    return (ctx, next) => {
      if (!this.#started) this.#start();
      return this.#handler(ctx, next);
    };
  }

  /** Registers middleware for every push; returns a composer to register more under it. */
  use(...middleware: Middleware<C>[]): Composer<C> {
    this.#assertNotStarted('use');
    const composer = new Composer<C>(...middleware);
    this.#children.push(() => composer.#start());
    // The first registration replaces the empty chain instead of following it: one async layer less per push.
    this.#handler =
      this.#handler === pass ? composer.middleware() : concat(this.#handler, composer.middleware());
    return composer;
  }

  /**
   * Runs `middleware` for pushes matching the filter query (or any of several), with `ctx.message`
   * narrowed: `on('message:text', ctx => ctx.message.Content)`. Unknown names throw, listing the
   * permitted ones.
   */
  on<Q extends FilterQuery>(
    query: Q | readonly Q[],
    ...middleware: Middleware<Filter<C, Q>>[]
  ): Composer<Filter<C, Q>> {
    const matches = matchFilterQueries(typeof query === 'string' ? [query] : query);
    return this.filter((ctx): ctx is Filter<C, Q> => matches(ctx.message), ...middleware);
  }

  /** Runs `middleware` for text messages whose Content equals a string or matches a RegExp. */
  hears(
    trigger: Trigger | readonly Trigger[],
    ...middleware: Middleware<HearsContext<C>>[]
  ): Composer<HearsContext<C>> {
    const match = triggerMatcher(trigger, 'hears');
    return this.filter(
      (ctx): ctx is HearsContext<C> =>
        ctx.message.MsgType === 'text' && setMatch(ctx, match(ctx.message.Content)),
      ...middleware,
    );
  }

  /** Runs `middleware` for menu CLICK events whose EventKey (the button's `key`) matches. */
  click(
    key: Trigger | readonly Trigger[],
    ...middleware: Middleware<ClickContext<C>>[]
  ): Composer<ClickContext<C>> {
    const match = triggerMatcher(key, 'click');
    return this.filter(
      (ctx): ctx is ClickContext<C> =>
        ctx.message.MsgType === 'event' &&
        ctx.message.Event === 'CLICK' &&
        setMatch(ctx, match(ctx.message.EventKey ?? '')),
      ...middleware,
    );
  }

  /**
   * Runs `middleware` for a QR scene in both of its forms: a follow (`subscribe` with EventKey
   * `qrscene_X`) and a scan by a follower (`SCAN` with EventKey `X`). `ctx.scene` is `X`.
   */
  scene(
    scene: Trigger | readonly Trigger[],
    ...middleware: Middleware<SceneContext<C>>[]
  ): Composer<SceneContext<C>> {
    const match = triggerMatcher(scene, 'scene');
    return this.filter(
      (ctx): ctx is SceneContext<C> => {
        const value = ctx.scene;
        return value !== null && setMatch(ctx, match(value));
      },
      ...middleware,
    );
  }

  /** Runs `middleware` when `predicate` holds; a type guard narrows `ctx` for them. */
  filter<D extends C>(predicate: (ctx: C) => ctx is D, ...middleware: Middleware<D>[]): Composer<D>;
  filter(predicate: (ctx: C) => MaybePromise<boolean>, ...middleware: Middleware<C>[]): Composer<C>;
  filter(predicate: (ctx: C) => MaybePromise<boolean>, ...middleware: Middleware<C>[]): Composer<C> {
    this.#assertNotStarted('filter');
    const composer = new Composer<C>(...middleware);
    const branch = composer.middleware();
    this.use((ctx, next) => {
      const ok = predicate(ctx);
      if (typeof ok === 'boolean') return ok ? branch(ctx, next) : next();
      return ok.then((yes) => (yes ? branch(ctx, next) : next()));
    });
    // use() wrapped the branch function; the composer must still freeze with this one.
    this.#children.push(() => composer.#start());
    return composer;
  }

  /**
   * Runs `middleware` with their errors caught and passed to `onError` instead of failing the push.
   * `next` given to `onError` (or called by the middleware) continues after the boundary, outside it.
   */
  errorBoundary(
    onError: (error: unknown, ctx: C, next: NextFunction) => unknown,
    ...middleware: Middleware<C>[]
  ): Composer<C> {
    this.#assertNotStarted('errorBoundary');
    const composer = new Composer<C>(...middleware);
    const bounded = composer.middleware();
    this.use(async (ctx, next) => {
      let nextCalled = false;
      const cont: NextFunction = () => {
        nextCalled = true;
        return Promise.resolve();
      };
      try {
        await bounded(ctx, cont);
      } catch (error) {
        nextCalled = false;
        await onError(error, ctx, cont);
      }
      if (nextCalled) await next();
    });
    this.#children.push(() => composer.#start());
    return composer;
  }

  #adopt(m: Middleware<C>): MiddlewareFn<C> {
    if (m instanceof Composer) this.#children.push(() => (m as Composer<C>).#start());
    return typeof m === 'function' ? m : m.middleware();
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const start of this.#children) start();
  }

  #assertNotStarted(method: string): void {
    if (this.#started) {
      throw new Error(
        `${method}() after the bot started handling pushes: register every handler before serving the webhook`,
      );
    }
  }
}

/** The middleware that does nothing but continue. */
const pass: MiddlewareFn<Context> = (_ctx, next) => next();

/** `first`, then `andThen` when `first` calls next(); a second next() in one pass throws. */
function concat<C extends Context>(first: MiddlewareFn<C>, andThen: MiddlewareFn<C>): MiddlewareFn<C> {
  return async (ctx, next) => {
    let nextCalled = false;
    await first(ctx, async () => {
      if (nextCalled) throw new Error('next() called twice by one middleware');
      nextCalled = true;
      await andThen(ctx, next);
    });
  };
}

/** Turns triggers into a matcher returning what matched, or null; validates them eagerly. */
function triggerMatcher(
  trigger: Trigger | readonly Trigger[],
  method: string,
): (text: string) => string | RegExpMatchArray | null {
  const triggers: readonly Trigger[] = Array.isArray(trigger) ? trigger : [trigger as Trigger];
  if (triggers.length === 0) throw new TypeError(`${method}() needs at least one string or RegExp`);
  for (const t of triggers) {
    if (typeof t !== 'string' && !(t instanceof RegExp)) {
      throw new TypeError(`${method}() takes strings or RegExps, got ${typeof t}`);
    }
  }
  return (text) => {
    for (const t of triggers) {
      if (typeof t === 'string') {
        if (t === text) return t;
      } else {
        // A global or sticky RegExp keeps lastIndex between calls; reset it so every push matches alike.
        t.lastIndex = 0;
        const m = t.exec(text);
        if (m !== null) return m;
      }
    }
    return null;
  };
}

function setMatch(ctx: Context, match: string | RegExpMatchArray | null): boolean {
  if (match === null) return false;
  ctx.match = match;
  return true;
}
