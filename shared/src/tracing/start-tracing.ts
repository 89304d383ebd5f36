import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../config/tracing-config.js';

// Only composition roots call this: it registers the OpenTelemetry SDK as the API's global provider, which turns the
// spans the code makes through the API (tracer.ts) from no-ops into exported ones.

export interface Tracing {
  enabled: boolean;
  /** Exports the spans still buffered, then stops; call it last when stopping. */
  shutdown(): Promise<void>;
}

const exporterOf = (name: 'otlp' | 'console', config: TracingConfig): SpanExporter =>
  name === 'console'
    ? new ConsoleSpanExporter()
    : config.protocol === 'http/json'
      ? new OtlpJsonExporter()
      : new OtlpProtobufExporter();

/** Starts tracing as configured, spans named after `serviceName` (OTEL_SERVICE_NAME wins); off, it does nothing. */
export function startTracing(config: TracingConfig, serviceName: string): Tracing {
  if (config.exporters.length === 0) return { enabled: false, shutdown: () => Promise.resolve() };
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: config.exporters.map((name) => new BatchSpanProcessor(exporterOf(name, config))),
  });
  // W3C trace context as the global propagator and AsyncLocalStorage for the current span (the defaults).
  provider.register();
  return { enabled: true, shutdown: () => provider.shutdown() };
}
