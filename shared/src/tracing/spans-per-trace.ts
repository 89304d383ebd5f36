import { isSpanContextValid, trace, type Attributes, type Span, type SpanKind } from '@opentelemetry/api';
import type { RecordedEvent } from '../event-store/event-store.js';
import { failed } from './in-span.js';
import { retraced } from './event-trace.js';
import { carrierOf, contextOf, type TraceCarrier } from './trace-carrier.js';
import { spanAttr, tracer } from './tracer.js';

/**
 * The spans of one piece of work done for many events at once (a Kafka send, a receive, a projection's write): one
 * per trace context the events carry, each a child of it, so that every event's trace shows the work; each links to
 * the span current when they start (the processor's round).
 */
export interface SpansPerTrace {
  /** The event's span as a carrier (for Kafka headers); undefined when it carries no trace, or its span records nothing. */
  carrierOf(event: RecordedEvent): TraceCarrier | undefined;
  /** The event carrying its span's trace context instead of its own (see event-trace.ts). */
  retraced(event: RecordedEvent): RecordedEvent;
  /** Ends every span, failed when an error is given. */
  end(error?: unknown): void;
}

interface PerTrace {
  span: Span;
  events: number;
  carrier?: TraceCarrier;
}

export function spansPerTrace(
  name: string,
  events: readonly RecordedEvent[],
  options: { kind: SpanKind; attributes?: Attributes },
): SpansPerTrace {
  const current = trace.getActiveSpan()?.spanContext();
  const links = current && isSpanContextValid(current) ? [{ context: current }] : undefined;
  const byParent = new Map<string, PerTrace>();
  for (const event of events) {
    const { traceparent } = event.metadata;
    if (traceparent === undefined) continue;
    const known = byParent.get(traceparent);
    if (known) {
      known.events++;
      continue;
    }
    const parent = contextOf(event.metadata);
    if (!parent) continue;
    const span = tracer.startSpan(name, { kind: options.kind, attributes: options.attributes, links }, parent);
    // A span that records nothing is kept all the same, so that its events are not looked at twice.
    byParent.set(traceparent, { span, events: 1 });
  }
  const recording = (event: RecordedEvent): PerTrace | undefined => {
    const { traceparent } = event.metadata;
    const found = traceparent === undefined ? undefined : byParent.get(traceparent);
    return found?.span.isRecording() ? found : undefined;
  };
  return {
    carrierOf(event) {
      const found = recording(event);
      if (found) found.carrier ??= carrierOf(found.span);
      return found?.carrier;
    },
    retraced(event) {
      const found = recording(event);
      return found ? retraced(event, found.span) : event;
    },
    end(error) {
      for (const { span, events: count } of byParent.values()) {
        if (!span.isRecording()) continue;
        span.setAttribute(spanAttr.events, count);
        if (error !== undefined) failed(span, error);
        span.end();
      }
    },
  };
}
