import { context, isSpanContextValid, SpanKind, trace } from '@opentelemetry/api';
import type { RecordedEvent } from '../event-store/event-store.js';
import { eventContext } from './event-trace.js';
import { inSpan } from './in-span.js';
import { spanAttr } from './tracer.js';

/**
 * Runs the handling of one event (a reactor's) in a span `<name> <type>` under the trace context the event carries,
 * linked to the current span (the round); an event without one is handled under the round. Whatever the handling
 * does (the saga's commands) continues that trace.
 */
export function inEventSpan<T>(name: string, event: RecordedEvent, work: () => Promise<T>): Promise<T> {
  const current = context.active();
  const parent = eventContext(event);
  const round = trace.getSpanContext(current);
  const links = parent && round && isSpanContextValid(round) ? [{ context: round }] : undefined;
  const attributes = {
    [spanAttr.eventType]: event.type,
    [spanAttr.streamId]: event.streamId,
    [spanAttr.position]: event.position.toString(),
  };
  return inSpan(`${name} ${event.type}`, { kind: SpanKind.CONSUMER, attributes, links }, parent ?? current, work);
}
