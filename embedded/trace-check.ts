import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { orderStream, readModels } from '@order-engine/shared';

// What the tracing tests look for in the spans of one order, whether an in-memory exporter (embedded) or an OTLP
// receiver (distributed, several processes) collected them.

export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
}

export const recordOf = (span: ReadableSpan): SpanRecord => ({
  traceId: span.spanContext().traceId,
  spanId: span.spanContext().spanId,
  ...(span.parentSpanContext && { parentSpanId: span.parentSpanContext.spanId }),
  name: span.name,
  attributes: { ...span.attributes },
  links: span.links.map(({ context }) => ({ traceId: context.traceId, spanId: context.spanId })),
});

/** The spans one order placed through POST /orders must leave in its trace, over and above the `more` given. */
export const orderSpanNames = (prefix = '', more: string[] = []): string[] => [
  'POST /orders',
  'command PlaceOrder',
  'append',
  'fulfilment-saga OrderPlaced',
  'command ReserveStock',
  'command MarkLineReserved',
  ...readModels.map((model) => `write ${model.schema(prefix, model.version)}`),
  ...more,
];

export interface OrderTrace {
  traceId: string;
  spans: SpanRecord[];
  /** Expected names the trace lacks (none once complete). */
  missing: string[];
  /** Spans of the trace whose parent is not in it: the root alone once complete. */
  orphans: SpanRecord[];
  /** Spans about the order's stream (commands, appends, the saga's events) in another trace: none, ever. */
  strays: SpanRecord[];
}

/** The trace of the order's POST /orders request among all spans collected; undefined before its span is there. */
export function orderTrace(all: readonly SpanRecord[], orderId: string, expected: string[]): OrderTrace | undefined {
  const stream = orderStream(orderId);
  // The command span of the order's PlaceOrder names its stream; its parent is the request's span.
  const placed = all.find(
    (span) => span.name === 'command PlaceOrder' && span.attributes['order_engine.stream_id'] === stream,
  );
  if (!placed) return undefined;
  const spans = all.filter((span) => span.traceId === placed.traceId);
  const ids = new Set(spans.map((span) => span.spanId));
  const names = new Set(spans.map((span) => span.name));
  return {
    traceId: placed.traceId,
    spans,
    missing: expected.filter((name) => !names.has(name)),
    orphans: spans.filter((span) => span.parentSpanId === undefined || !ids.has(span.parentSpanId)),
    strays: all.filter(
      (span) => span.attributes['order_engine.stream_id'] === stream && span.traceId !== placed.traceId,
    ),
  };
}

/** Complete: every expected span there, and one tree under the request's span. */
export const isComplete = (trace: OrderTrace | undefined): trace is OrderTrace =>
  trace !== undefined &&
  trace.missing.length === 0 &&
  trace.orphans.length === 1 &&
  trace.orphans[0]!.name === 'POST /orders';
