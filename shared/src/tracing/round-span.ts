import { ROOT_CONTEXT, SpanKind, trace, type Link } from '@opentelemetry/api';
import type { EventMetadata, RecordedEvent } from '../event-store/event-store.js';
import { inSpan } from './in-span.js';
import { contextOf } from './trace-carrier.js';
import { spanAttr } from './tracer.js';

/** Links a round's span holds at most: one per distinct trace context of its events, the first ones. */
export const MAX_ROUND_LINKS = 64;

/**
 * A processor's round as a span of its own (`<processor> round`, a root): a round handles the events of many traces,
 * so it links to theirs, and the per-event work under it (spansPerTrace, a reactor's event) is parented to each
 * event's trace and links back to the round.
 */
export function inRoundSpan<T>(
  processor: string,
  events: readonly RecordedEvent[],
  work: () => Promise<T>,
): Promise<T> {
  return inSpan(
    `${processor} round`,
    {
      root: true,
      kind: SpanKind.INTERNAL,
      attributes: { [spanAttr.processor]: processor, [spanAttr.events]: events.length },
    },
    ROOT_CONTEXT,
    (span) => {
      if (span.isRecording()) span.addLinks(linksOf(events));
      return work();
    },
  );
}

/** One link per distinct trace context the events carry (but `except`), MAX_ROUND_LINKS at most. */
export function linksOf(events: readonly { metadata?: EventMetadata }[], except?: string): Link[] {
  const seen = new Set<string>(except === undefined ? [] : [except]);
  const links: Link[] = [];
  for (const event of events) {
    const { metadata = {} } = event;
    const { traceparent } = metadata;
    if (traceparent === undefined || seen.has(traceparent)) continue;
    seen.add(traceparent);
    const context = contextOf(metadata);
    const spanContext = context && trace.getSpanContext(context);
    if (spanContext) links.push({ context: spanContext });
    if (links.length >= MAX_ROUND_LINKS) break;
  }
  return links;
}
