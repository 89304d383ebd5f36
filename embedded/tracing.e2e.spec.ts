import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessFromConfig, silentLogger, type Role } from '@order-engine/shared';
import { testEngineConfig } from './test-config.js';
import { startEngine, type Engine } from './engine.js';
import { commandClient } from '@order-engine/client';
import { eventually } from './http-client.js';
import { isComplete, orderSpanNames, orderTrace, recordOf } from './trace-check.js';

// Tracing in the embedded engine, with the SDK registered in process and an in-memory exporter: one order placed over
// HTTP gives one trace, from the request through the append and the saga's commands to every projection's write.

const secret = (role: Role) => `${role}-tracing-secret-0123456789`;
const as = (role: Role) => ({ authorization: `Bearer ${secret(role)}` });
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let engine: Engine;

beforeAll(async () => {
  provider.register();
  const config = testEngineConfig({
    API_KEYS: (['operator', 'client'] as const).map((role) => `t-${role}:${role}:${secret(role)}`).join(','),
  });
  engine = await startEngine(config, silentLogger, { access: await accessFromConfig(config) });
});
afterAll(async () => {
  await engine?.stop();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

const commands = (role: Role = 'operator') => commandClient(engine.commandUrl, { headers: as(role) });

describe('tracing, embedded', () => {
  it('gives one order one trace: request, command, append, the saga and every projection', async () => {
    const product = { sku: 'lamp', name: 'Lamp', category: 'home', priceCents: 2500, currency: 'EUR' };
    expect((await commands().POST('/products', { body: product })).response.status).toBe(201);
    const restock = { params: { path: { sku: 'lamp' } }, body: { quantity: 5 } };
    expect((await commands().POST('/products/{sku}/restock', restock)).response.status).toBe(200);
    const order = { customerId: 'ada', lines: [{ sku: 'lamp', quantity: 2 }] };
    const placed = await commands('client').POST('/orders', { body: order });
    expect(placed.response.status).toBe(202);
    const { orderId } = placed.data!;

    const expected = orderSpanNames();
    const found = await eventually(async () => {
      const spans = orderTrace(exporter.getFinishedSpans().map(recordOf), orderId, expected);
      return isComplete(spans) ? spans : undefined;
    }).catch(() => orderTrace(exporter.getFinishedSpans().map(recordOf), orderId, expected));

    expect(found?.missing).toEqual([]);
    expect(found?.orphans.map((span) => span.name)).toEqual(['POST /orders']);
    expect(found?.strays).toEqual([]);
    const request = found!.spans.find((span) => span.name === 'POST /orders')!;
    expect(request.attributes).toMatchObject({ 'http.route': '/orders', 'http.response.status_code': 202 });

    // Each projection's write links to its round, a span of its own that links back to the order's trace.
    const all = exporter.getFinishedSpans().map(recordOf);
    for (const write of found!.spans.filter((span) => span.name.startsWith('write '))) {
      const round = all.find((span) => write.links.some((link) => link.spanId === span.spanId));
      expect(round?.name).toBe(`${write.name.slice('write '.length)} round`);
      expect(round?.links.some((link) => link.traceId === found!.traceId)).toBe(true);
    }
  });
});
