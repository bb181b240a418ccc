import {
  EVENT_TYPES,
  MESSAGE_TYPES,
  type EventType,
  type InboundMessage,
  type MessageType,
} from './inbound-types.js';

/**
 * A push's kind as a grammY-style filter string: `message:<MsgType>` or `event:<Event in lower case>`
 * (`event:scan`, `event:templatesendjobfinish`); kinds this version does not know are `…:unknown`.
 */
export type FilterName = `message:${MessageType | 'unknown'}` | `event:${Lowercase<EventType> | 'unknown'}`;

/** Every filter name, in the order of the protocol reference: the runtime twin of {@link FilterName}. */
export const FILTER_NAMES: readonly FilterName[] = [
  ...MESSAGE_TYPES.map((t) => `message:${t}` as const),
  'message:unknown',
  ...EVENT_TYPES.map((e) => `event:${e.toLowerCase() as Lowercase<EventType>}` as const),
  'event:unknown',
];

// Built once: naming a push is a lookup, not a toLowerCase per dispatch.
const EVENT_FILTERS = new Map<string, FilterName>(
  EVENT_TYPES.map((e) => [e, `event:${e.toLowerCase() as Lowercase<EventType>}`]),
);

/** The filter name of a parsed push: `'message:text'`, `'event:subscribe'`, `'event:click'`, … */
export function filterName(m: InboundMessage): FilterName {
  if (m.MsgType === 'event') return EVENT_FILTERS.get(m.Event) ?? 'event:unknown';
  return `message:${m.MsgType}`;
}

/** True when `name` is one of {@link FILTER_NAMES}. */
export function isFilterName(name: string): name is FilterName {
  return (FILTER_NAMES as readonly string[]).includes(name);
}
