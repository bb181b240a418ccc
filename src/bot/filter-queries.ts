import {
  FILTER_NAMES,
  filterName,
  type EventType,
  type FilterName,
  type InboundMessage,
} from '../wire/index.js';

/**
 * Filter queries (grammY's `bot.on('message:text')`). wire/'s table of push kinds, itself derived from its
 * MESSAGE_TYPES and EVENT_TYPES, gives both the union type that editors complete and the runtime check that
 * rejects a typo; the two group names `message` and `event` come on top.
 */
export type FilterQuery = 'message' | 'event' | FilterName;

/** The permitted filter queries: each group, then its kinds in the order of the protocol reference. */
export const FILTER_QUERIES: readonly FilterQuery[] = [
  'message',
  ...FILTER_NAMES.filter((n) => n.startsWith('message:')),
  'event',
  ...FILTER_NAMES.filter((n) => n.startsWith('event:')),
];

const PERMITTED: ReadonlySet<string> = new Set(FILTER_QUERIES);

type EventMessage = Extract<InboundMessage, { MsgType: 'event' }>;
type PlainMessage = Exclude<InboundMessage, { MsgType: 'event' }>;
/** The canonical Event name(s) whose lower-case form is `L` (`scan` → `SCAN`). */
type EventNamed<L extends string> = L extends 'unknown'
  ? 'unknown'
  : { [E in EventType]: Lowercase<E> extends L ? E : never }[EventType];

/** The inbound message type a filter query narrows `ctx.message` to. */
export type MessageFor<Q extends FilterQuery> = Q extends 'message'
  ? PlainMessage
  : Q extends 'event'
    ? EventMessage
    : Q extends `message:${infer T}`
      ? Extract<PlainMessage, { MsgType: T }>
      : Q extends `event:${infer L}`
        ? Extract<EventMessage, { Event: EventNamed<L> }>
        : never;

/** Throws, listing every permitted name, when `query` is not a filter query. */
export function assertFilterQuery(query: string): asserts query is FilterQuery {
  if (!PERMITTED.has(query)) {
    throw new TypeError(`unknown filter query '${query}'; permitted: ${FILTER_QUERIES.join(', ')}`);
  }
}

/** A predicate for one or more filter queries; validates them first. */
export function matchFilterQueries(queries: readonly string[]): (m: InboundMessage) => boolean {
  if (queries.length === 0) throw new TypeError('on() needs at least one filter query');
  for (const q of queries) assertFilterQuery(q);
  const anyMessage = queries.includes('message');
  const anyEvent = queries.includes('event');
  const names: ReadonlySet<string> = new Set(queries);
  // Per push a match is a comparison or one set lookup of the push's filter name.
  return (m) => (m.MsgType === 'event' ? anyEvent : anyMessage) || names.has(filterName(m));
}
