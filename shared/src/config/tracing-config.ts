import { z } from 'zod';
import { parseConfig } from './config.js';

// Whether and where traces go, from OpenTelemetry's standard variables. Tracing is off unless they name an exporter:
// OTEL_TRACES_EXPORTER (otlp, console; none turns it off), or an OTLP endpoint, which implies otlp. The SDK reads the
// other OTEL_* variables itself (endpoint, headers, sampler, batch delays, resource attributes).

const Exporter = z.enum(['otlp', 'console', 'none']);
const Protocol = z.enum(['http/protobuf', 'http/json', 'grpc']);

export const TracingConfig = z
  .object({
    OTEL_SDK_DISABLED: z
      .string()
      .transform((value) => value.toLowerCase() === 'true')
      .default(false),
    OTEL_TRACES_EXPORTER: z
      .string()
      .transform((value) => value.split(',').map((name) => name.trim().toLowerCase()))
      .pipe(z.array(Exporter))
      .optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    OTEL_EXPORTER_OTLP_PROTOCOL: Protocol.optional(),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: Protocol.optional(),
  })
  .transform((env) => {
    const named = env.OTEL_TRACES_EXPORTER;
    const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
    const exporters = env.OTEL_SDK_DISABLED
      ? []
      : named
        ? [...new Set(named.filter((name) => name !== 'none'))]
        : endpoint
          ? (['otlp'] as const)
          : [];
    return {
      exporters: exporters as ('otlp' | 'console')[],
      protocol: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    };
  })
  .refine((config) => !(config.exporters.includes('otlp') && config.protocol === 'grpc'), {
    path: ['OTEL_EXPORTER_OTLP_PROTOCOL'],
    message: 'grpc is not supported here: use http/protobuf (the default) or http/json',
  });
export type TracingConfig = z.infer<typeof TracingConfig>;

export const loadTracingConfig = (env: Record<string, string | undefined>): TracingConfig =>
  parseConfig(TracingConfig, env);
