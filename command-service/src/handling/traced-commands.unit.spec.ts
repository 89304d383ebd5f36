import { context, propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { NotFound, type EventMetadata, type ProductCommand } from '@order-engine/shared';
import type { CommandHandler, ProductResult } from './command-handler.js';
import { tracedCommands } from './traced-commands.js';

// A command's span, and its events' metadata carrying it; a refusal is an answer, not a failure.
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => provider.register());
beforeEach(() => exporter.reset());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

const restock: ProductCommand = { type: 'Restock', data: { sku: 'kettle', quantity: 1 } };
const handlerThat = (product: (metadata?: EventMetadata) => Promise<ProductResult>) =>
  ({ product: (_command: ProductCommand, metadata?: EventMetadata) => product(metadata) }) as unknown as CommandHandler;

it('runs a command in a span `command <type>` whose context its events carry', async () => {
  let given: EventMetadata | undefined;
  const commands = tracedCommands(
    handlerThat((metadata) => {
      given = metadata;
      return Promise.resolve({ events: [{}], position: 9n } as unknown as ProductResult);
    }),
  );
  await commands.product(restock, { correlationId: 'c-1' });
  const [span] = exporter.getFinishedSpans();
  expect(span?.name).toBe('command Restock');
  expect(span?.attributes).toMatchObject({
    'order_engine.command_type': 'Restock',
    'order_engine.stream_id': 'product-kettle',
    'order_engine.events': 1,
    'order_engine.position': '9',
  });
  expect(given).toEqual({
    correlationId: 'c-1',
    traceparent: `00-${span?.spanContext().traceId}-${span?.spanContext().spanId}-01`,
  });
});

it('names a refusal on the span without failing it, and fails it on anything else', async () => {
  await expect(
    tracedCommands(handlerThat(() => Promise.reject(new NotFound('product', 'kettle')))).product(restock),
  ).rejects.toThrow(NotFound);
  await expect(
    tracedCommands(handlerThat(() => Promise.reject(new Error('database away')))).product(restock),
  ).rejects.toThrow('database away');
  const [refused, failed] = exporter.getFinishedSpans();
  expect(refused?.attributes['order_engine.refused']).toBe('NotFound');
  expect(refused?.status.code).toBe(SpanStatusCode.UNSET);
  expect(failed?.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'database away' });
});
