import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.js';
import { loadTracingConfig } from './tracing-config.js';

describe('loadTracingConfig', () => {
  it('is off unless the OTEL_* variables name an exporter', () => {
    expect(loadTracingConfig({}).exporters).toEqual([]);
    expect(loadTracingConfig({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' }).exporters).toEqual([]);
    expect(loadTracingConfig({ OTEL_TRACES_EXPORTER: 'none' }).exporters).toEqual([]);
    expect(loadTracingConfig({ OTEL_TRACES_EXPORTER: '' }).exporters).toEqual([]);
  });

  it('exports OTLP over HTTP (protobuf by default) to an endpoint, or as OTEL_TRACES_EXPORTER says', () => {
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
      exporters: ['otlp'],
      protocol: 'http/protobuf',
    });
    expect(
      loadTracingConfig({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      }),
    ).toEqual({ exporters: ['otlp'], protocol: 'http/json' });
    expect(
      loadTracingConfig({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      }).protocol,
    ).toBe('http/protobuf');
    expect(loadTracingConfig({ OTEL_TRACES_EXPORTER: 'otlp, Console' }).exporters).toEqual(['otlp', 'console']);
  });

  it('stays off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, whatever the endpoint', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadTracingConfig({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' }).exporters).toEqual([]);
    expect(loadTracingConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).exporters).toEqual([]);
    expect(loadTracingConfig({ ...endpoint, OTEL_SDK_DISABLED: 'false' }).exporters).toEqual(['otlp']);
  });

  it('refuses what it cannot do, naming the variable', () => {
    expect(() => loadTracingConfig({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(ConfigError);
    expect(() => loadTracingConfig({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/OTEL_TRACES_EXPORTER/);
    expect(() => loadTracingConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported/,
    );
    expect(() => loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });
});
