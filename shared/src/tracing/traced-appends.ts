import { context, SpanKind } from '@opentelemetry/api';
import { WrongExpectedRevision } from '../event-store/errors.js';
import type { EventStore } from '../event-store/event-store.js';
import { inSpan } from './in-span.js';
import { linksOf } from './round-span.js';
import { contextOf } from './trace-carrier.js';
import { spanAttr } from './tracer.js';

/**
 * The store with each append in a span `append`, a child of the trace its first event carries (the command that
 * decided it), linked to those of the others: commands batched on one stream share one append.
 */
export function tracedAppends(store: EventStore): EventStore {
  return {
    ...store,
    append: (streamId, events, options) => {
      const first = events[0]?.metadata;
      const parent = (first && contextOf(first)) ?? context.active();
      const attributes = { [spanAttr.streamId]: streamId, [spanAttr.events]: events.length };
      // A conflict is retried from a fresh read: an answer of the store, not its failure.
      const expected = (error: unknown) => error instanceof WrongExpectedRevision;
      return inSpan('append', { kind: SpanKind.CLIENT, attributes, expected }, parent, async (span) => {
        if (span.isRecording()) span.addLinks(linksOf(events, first?.traceparent));
        const appended = await store.append(streamId, events, options);
        span.setAttribute(spanAttr.position, appended.position.toString());
        return appended;
      });
    },
  };
}
