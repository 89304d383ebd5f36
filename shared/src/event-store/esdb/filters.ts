import { eventTypeFilter, excludeSystemEvents, streamNameFilter, type Filter } from '@eventstore/db-client';
import type { EventFilter } from '../event-store.js';
import { isSystemEvent } from './event-mapping.js';

// The port's filter, server-side where ESDB can do it and always again client-side.
//
// An ESDB filter looks at one thing (event type or stream name) and takes prefixes or one regex (.NET syntax). The
// exact type list becomes an anchored alternation; the stream prefix becomes an anchored regex too rather than a
// `prefixes` filter, whose .NET StartsWith compares by culture, not ordinally. With both a type list and a prefix,
// the server filters the types and the client the prefix. Client 6.x sends filters with subscriptions only (its
// readAll has no filter option), so reads of $all filter client-side alone. The client-side check also keeps the
// port's exact semantics where .NET and JS regexes differ at the edges (`$` also matches before a final newline).

/** Escapes text so that a .NET (or JS) regex matches it literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}#]/g, (c) => `\\${c}`);
}

/** A regex matching exactly these event types; one that matches nothing for an empty list. */
export function exactTypesRegex(types: readonly string[]): string {
  return types.length === 0 ? '(?!)' : `^(?:${types.map(escapeRegex).join('|')})$`;
}

export function streamPrefixRegex(prefix: string): string {
  return `^${escapeRegex(prefix)}`;
}

/** The filter a subscription sends to the server; system events are excluded when nothing else narrows it. */
export function serverFilter(filter: EventFilter | undefined): Filter {
  if (filter?.types) return eventTypeFilter({ regex: exactTypesRegex(filter.types) });
  if (filter?.streamPrefix !== undefined) return streamNameFilter({ regex: streamPrefixRegex(filter.streamPrefix) });
  return excludeSystemEvents();
}

/** Whether the port returns this event for this filter: never a system event. */
export function passes(event: { type: string; streamId: string }, filter: EventFilter | undefined): boolean {
  if (isSystemEvent(event)) return false;
  if (filter?.types && !filter.types.includes(event.type)) return false;
  if (filter?.streamPrefix !== undefined && !event.streamId.startsWith(filter.streamPrefix)) return false;
  return true;
}
