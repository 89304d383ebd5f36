import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { NO_AUTH } from '../auth/access.js';
import { silentLogger } from '../logging/logger.js';
import { createApp, finishApp } from './app.js';
import { listen, type RunningServer } from './listen.js';

// The request's server span: named by the policy table's route, continuing the caller's traceparent, current in the
// handler (after the body was parsed and an await), probes left out.
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let server: RunningServer;
let inHandler: string | undefined;

beforeAll(async () => {
  provider.register();
  const app = createApp('test', { access: NO_AUTH });
  app.post('/orders/:id/pay', async (_req, res) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    inHandler = trace.getActiveSpan()?.spanContext().spanId;
    res.status(202).json({});
  });
  server = await listen(finishApp(app, silentLogger), { host: '127.0.0.1', port: 0 });
});
beforeEach(() => exporter.reset());
afterAll(async () => {
  await server.close();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

const caller = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };

it('makes a server span `METHOD route` under the caller’s traceparent, current while the route runs', async () => {
  const answer = await fetch(`${server.url}/orders/o-1/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: `00-${caller.traceId}-${caller.spanId}-01` },
    body: JSON.stringify({ amountCents: 1 }),
  });
  expect(answer.status).toBe(202);
  await expect.poll(() => exporter.getFinishedSpans().length).toBe(1);
  const [span] = exporter.getFinishedSpans();
  expect(span?.name).toBe('POST /orders/:id/pay');
  expect(span?.spanContext().traceId).toBe(caller.traceId);
  expect(span?.parentSpanContext?.spanId).toBe(caller.spanId);
  expect(span?.attributes).toMatchObject({
    'http.request.method': 'POST',
    'http.route': '/orders/:id/pay',
    'url.path': '/orders/o-1/pay',
    'http.response.status_code': 202,
  });
  expect(inHandler).toBe(span?.spanContext().spanId);
});

it('starts a trace of its own without a traceparent, and leaves the probes out', async () => {
  expect((await fetch(`${server.url}/health`)).status).toBe(200);
  expect((await fetch(`${server.url}/orders/o-1/nothing`)).status).toBe(404);
  await expect.poll(() => exporter.getFinishedSpans().length).toBe(1);
  const [span] = exporter.getFinishedSpans();
  expect(span?.name).toBe('GET');
  expect(span?.parentSpanContext).toBeUndefined();
  expect(span?.attributes['http.response.status_code']).toBe(404);
});
