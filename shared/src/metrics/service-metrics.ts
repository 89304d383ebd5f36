import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

// One Prometheus registry per service, served at its own GET /metrics: the process's default metrics (CPU, memory,
// event-loop lag, GC) and the duration of every answered request. Each service adds what only it knows.

export const METRIC_PREFIX = 'order_engine_';

export interface ServiceMetrics {
  registry: Registry;
  /** Records one answered request; route is the policy table's pattern, so that ids do not make new series. */
  requestAnswered(method: string, route: string, status: number, seconds: number): void;
}

export function serviceMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters, which promtool refuses; `nodejs_active_handles` and the like say the same by type.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
    registry.removeSingleMetric(name);
  const http = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'Time from a request arriving to its answer being sent, by route, method and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // One child per series, kept: observing through it skips hashing the labels on every request.
  const series = new Map<string, Histogram.Internal<'method' | 'route' | 'status'>>();
  return {
    registry,
    requestAnswered(method, route, status, seconds) {
      const key = `${method} ${route} ${status}`;
      let child = series.get(key);
      if (!child) series.set(key, (child = http.labels({ method, route, status: String(status) })));
      child.observe(seconds);
    },
  };
}

/** GET /metrics: the registry in Prometheus's text format. */
export const metricsRoute =
  (registry: Registry): RequestHandler =>
  async (_req, res) => {
    const text = await registry.metrics();
    res.type(registry.contentType).send(text);
  };

/**
 * For metrics that several collect() of one scrape read from the same source: the first call starts the read, the
 * calls while it runs share it. A failed read gives [] (those series are left out of this scrape, not all of it).
 */
export function readPerScrape<T>(read: () => Promise<T[]>): () => Promise<T[]> {
  let reading: Promise<T[]> | undefined;
  return () =>
    (reading ??= read()
      .catch(() => [])
      .finally(() => {
        reading = undefined;
      }));
}
