import { describe, expect, it } from 'vitest';
import { serviceMetrics } from './service-metrics.js';

describe('serviceMetrics', () => {
  it('counts every answered request in the series of its method, route and status', async () => {
    const metrics = serviceMetrics('test-service');
    metrics.requestAnswered('GET', '/products/:sku', 200, 0.002);
    metrics.requestAnswered('GET', '/products/:sku', 200, 0.3);
    metrics.requestAnswered('GET', '/products/:sku', 404, 0.001);
    const histogram = await metrics.registry.getSingleMetric('order_engine_http_request_duration_seconds')!.get();
    const value = (name: string, status: string, le?: number) =>
      histogram.values.find(
        (sample) =>
          (sample as { metricName?: string }).metricName === name &&
          sample.labels.route === '/products/:sku' &&
          sample.labels.status === status &&
          (le === undefined || sample.labels.le === le),
      )?.value;
    expect(value('order_engine_http_request_duration_seconds_count', '200')).toBe(2);
    expect(value('order_engine_http_request_duration_seconds_count', '404')).toBe(1);
    expect(value('order_engine_http_request_duration_seconds_bucket', '200', 0.005)).toBe(1);
    expect(value('order_engine_http_request_duration_seconds_bucket', '200', 0.5)).toBe(2);
  });
});
