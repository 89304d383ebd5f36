import { ROOT_CONTEXT, trace, type Context, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

// A span's place in its trace as W3C Trace Context text: what event metadata, Kafka headers and HTTP headers carry.

export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

// The W3C format itself, not the global propagator: metadata and headers carry exactly these two fields, whatever
// else a deployment propagates.
const w3c = new W3CTraceContextPropagator();
const setter = {
  set(carrier: TraceCarrier, key: string, value: string) {
    if (key === 'traceparent' || key === 'tracestate') carrier[key] = value;
  },
};
const getter = {
  keys: (carrier: TraceCarrier) => Object.keys(carrier),
  get: (carrier: TraceCarrier, key: string) =>
    key === 'traceparent' || key === 'tracestate' ? carrier[key] : undefined,
};

/**
 * The span's traceparent (and tracestate), or undefined when it does not record: with tracing off, or for a trace
 * not sampled, nothing is written anywhere.
 */
export function carrierOf(span: Span): TraceCarrier | undefined {
  if (!span.isRecording()) return undefined;
  const carrier: TraceCarrier = {};
  w3c.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, setter);
  return carrier;
}

/** The remote parent a carrier names, or undefined when it holds no valid traceparent. */
export function contextOf(carrier: TraceCarrier): Context | undefined {
  if (carrier.traceparent === undefined) return undefined;
  const extracted = w3c.extract(ROOT_CONTEXT, carrier, getter);
  return trace.getSpanContext(extracted) ? extracted : undefined;
}

/** The carrier in headers (HTTP's or Kafka's): the first value of each field, as text. */
export function carrierInHeaders(
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined>,
): TraceCarrier {
  const text = (value: Buffer | string | (Buffer | string)[] | undefined): string | undefined =>
    value === undefined ? undefined : Array.isArray(value) ? text(value[0]) : value.toString();
  const traceparent = text(headers.traceparent);
  const tracestate = text(headers.tracestate);
  return {
    ...(traceparent === undefined ? {} : { traceparent }),
    ...(tracestate === undefined ? {} : { tracestate }),
  };
}
