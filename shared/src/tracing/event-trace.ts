import type { Context, Span } from '@opentelemetry/api';
import type { EventMetadata, RecordedEvent } from '../event-store/event-store.js';
import { carrierOf, contextOf, type TraceCarrier } from './trace-carrier.js';

// An event carries the trace context of the span that last handed it on (`traceparent`, `tracestate` in its
// metadata): the command that decided it when stored, the Kafka receive when delivered from Kafka.

/** The metadata with this carrier's trace context in place of any it held. */
export function withCarrier(metadata: EventMetadata, carrier: TraceCarrier): EventMetadata {
  const { traceparent: _parent, tracestate: _state, ...rest } = metadata;
  return { ...rest, ...carrier };
}

/** The metadata carrying the span's trace context; unchanged (the same object) when the span does not record. */
export function withTrace(metadata: EventMetadata, span: Span): EventMetadata {
  const carrier = carrierOf(span);
  return carrier ? withCarrier(metadata, carrier) : metadata;
}

/** The event handed on by a span (a Kafka receive): what handles it next continues that span's trace. */
export function retraced(event: RecordedEvent, span: Span): RecordedEvent {
  const metadata = withTrace(event.metadata, span);
  return metadata === event.metadata ? event : { ...event, metadata };
}

/** The trace context the event carries, or undefined when none. */
export const eventContext = (event: RecordedEvent): Context | undefined => contextOf(event.metadata);
