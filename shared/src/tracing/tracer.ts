import { trace } from '@opentelemetry/api';

// The engine's one tracer, from the OTel API's global provider: a no-op until a composition root registers the SDK
// (start-tracing.ts), so code that makes spans costs next to nothing when tracing is off.
export const tracer = trace.getTracer('order-engine');

/** Attribute names of the engine's own, beside OpenTelemetry's semantic conventions. */
export const spanAttr = {
  events: 'order_engine.events',
  streamId: 'order_engine.stream_id',
  position: 'order_engine.position',
  commandType: 'order_engine.command_type',
  refused: 'order_engine.refused',
  eventType: 'order_engine.event_type',
  processor: 'order_engine.processor',
} as const;
