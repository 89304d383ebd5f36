import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventMessage, withTraceHeaders, type OutgoingMessage } from '../bus/event-message.js';
import { feedBatchOf } from '../bus/kafka-batch.js';
import { memoryEventStore } from '../event-store/memory/memory-event-store.js';
import type { EventMetadata, RecordedEvent } from '../event-store/event-store.js';
import { silentLogger } from '../logging/logger.js';
import { eventContext, withTrace } from './event-trace.js';
import { inSpan } from './in-span.js';
import { received } from './kafka-receive.js';
import { inRoundSpan, MAX_ROUND_LINKS } from './round-span.js';
import { spansPerTrace } from './spans-per-trace.js';
import { carrierOf, contextOf } from './trace-carrier.js';
import { tracedAppends } from './traced-appends.js';
import { tracer } from './tracer.js';

// The trace context through event metadata and Kafka headers, and nothing written anywhere with tracing off.

const event = (position: number, metadata: EventMetadata = {}): RecordedEvent => ({
  eventId: `e-${position}`,
  type: 'StockAdded',
  version: 1,
  streamId: 'product-A',
  revision: position,
  position: BigInt(position),
  recordedAt: new Date('2026-03-01T10:00:00.000Z'),
  data: {},
  metadata,
});

/** The message as a consumer gets it from Kafka. */
const delivered = ({ key, value, headers }: OutgoingMessage, offset = 0): KafkaMessage =>
  ({
    key: key === null ? null : Buffer.from(key),
    value: Buffer.from(value),
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
    offset: String(offset),
    timestamp: '0',
    attributes: 0,
  }) as KafkaMessage;

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

describe('tracing off (no SDK registered)', () => {
  it('adds nothing to metadata, headers or appended events', async () => {
    const span = tracer.startSpan('command');
    expect(span.isRecording()).toBe(false);
    expect(carrierOf(span)).toBeUndefined();
    const metadata = { correlationId: 'c-1' };
    expect(withTrace(metadata, span)).toBe(metadata);

    const sending = spansPerTrace('send', [event(1)], { kind: SpanKind.PRODUCER });
    expect(withTraceHeaders(eventMessage(event(1)), sending.carrierOf(event(1))).headers).not.toHaveProperty(
      'traceparent',
    );

    const store = tracedAppends(memoryEventStore());
    const { events } = await store.append('product-A', [{ type: 'StockAdded', version: 1, data: {}, metadata }], {
      expectedRevision: 'no_stream',
    });
    expect(events[0]!.metadata).toEqual(metadata);
    expect(await inSpan('work', {}, ROOT_CONTEXT, () => Promise.resolve(7))).toBe(7);
  });

  it('passes an event through a Kafka receive unchanged', () => {
    const batch = { events: [event(1, { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` })], through: 1n };
    expect(received(batch, 'topic', 'group').batch).toBe(batch);
  });
});

describe('tracing on', () => {
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

  const finished = (name: string) => exporter.getFinishedSpans().filter((span) => span.name === name);

  it('writes the span into metadata as W3C traceparent, which gives its context back', () => {
    const span = tracer.startSpan('command');
    const metadata = withTrace({ correlationId: 'c-1' }, span);
    expect(metadata).toEqual({ correlationId: 'c-1', traceparent: expect.stringMatching(TRACEPARENT) });
    expect(metadata.traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    const carried = trace.getSpanContext(eventContext(event(1, metadata))!);
    const { traceId, spanId, traceFlags } = span.spanContext();
    expect(carried).toMatchObject({ traceId, spanId, traceFlags, isRemote: true });
    // A later hop replaces it rather than adding a second one.
    const next = tracer.startSpan('receive');
    expect(withTrace(metadata, next).traceparent).toContain(next.spanContext().spanId);
    span.end();
    next.end();
  });

  it('ignores a malformed traceparent', () => {
    expect(contextOf({ traceparent: 'not-a-traceparent' })).toBeUndefined();
    expect(contextOf({})).toBeUndefined();
  });

  it('carries the trace from event metadata through the send and Kafka headers to the receive', () => {
    const command = tracer.startSpan('command');
    const stored = event(1, withTrace({}, command));
    const untraced = event(2);

    const sending = spansPerTrace('send topic', [stored, untraced], { kind: SpanKind.PRODUCER });
    const messages = [stored, untraced].map((e) => withTraceHeaders(eventMessage(e), sending.carrierOf(e)));
    sending.end();
    expect(messages[0]!.headers.traceparent).toMatch(TRACEPARENT);
    expect(messages[1]!.headers).not.toHaveProperty('traceparent');
    const [send] = finished('send topic');
    expect(send?.parentSpanContext?.spanId).toBe(command.spanContext().spanId);
    expect(send?.spanContext().traceId).toBe(command.spanContext().traceId);

    // The consumer's events carry the send span (the header), then the receive span that hands them on.
    const batch = feedBatchOf(0, messages.map(delivered), 0n, silentLogger)!;
    expect(batch.events[0]!.metadata.traceparent).toBe(messages[0]!.headers.traceparent);
    expect(batch.events[1]!.metadata).toEqual({});
    const receive = received(batch, 'topic', 'group');
    receive.end();
    const [receiveSpan] = finished('receive topic');
    expect(receiveSpan?.parentSpanContext?.spanId).toBe(send?.spanContext().spanId);
    expect(receiveSpan?.attributes).toMatchObject({
      'messaging.consumer.group.name': 'group',
      'order_engine.events': 1,
    });
    expect(trace.getSpanContext(eventContext(receive.batch.events[0]!)!)?.spanId).toBe(
      receiveSpan?.spanContext().spanId,
    );
    expect(receive.batch.events[1]).toBe(batch.events[1]);
    command.end();
  });

  it('makes one span per trace context for work on many events, marked failed with the work', () => {
    const [a, b] = [tracer.startSpan('a'), tracer.startSpan('b')];
    const events = [event(1, withTrace({}, a)), event(2, withTrace({}, a)), event(3, withTrace({}, b))];
    spansPerTrace('write', events, { kind: SpanKind.INTERNAL }).end(new Error('database away'));
    const writes = finished('write');
    expect(writes.map((span) => span.parentSpanContext?.spanId).sort()).toEqual(
      [a.spanContext().spanId, b.spanContext().spanId].sort(),
    );
    expect(writes.map((span) => span.attributes['order_engine.events']).sort()).toEqual([1, 2]);
    expect(writes.every((span) => span.status.message === 'database away')).toBe(true);
  });

  it("links a round to its events' traces, at most MAX_ROUND_LINKS, and its per-event work back to it", async () => {
    const spans = Array.from({ length: MAX_ROUND_LINKS + 10 }, () => tracer.startSpan('command'));
    const events = spans.map((span, i) => event(i + 1, withTrace({}, span)));
    await inRoundSpan('projection_v1', events, async () => {
      spansPerTrace('write projection_v1', events.slice(0, 1), { kind: SpanKind.INTERNAL }).end();
    });
    const [round] = finished('projection_v1 round');
    expect(round?.links).toHaveLength(MAX_ROUND_LINKS);
    expect(round?.links[0]?.context.spanId).toBe(spans[0]!.spanContext().spanId);
    expect(round?.parentSpanContext).toBeUndefined();
    const [write] = finished('write projection_v1');
    expect(write?.links.map((link) => link.context.spanId)).toEqual([round?.spanContext().spanId]);
  });

  it("appends under the first event's trace, linked to the others'", async () => {
    const [first, other] = [tracer.startSpan('first'), tracer.startSpan('other')];
    const store = tracedAppends(memoryEventStore());
    await store.append(
      'product-A',
      [first, first, other].map((span) => ({
        type: 'StockAdded',
        version: 1,
        data: {},
        metadata: withTrace({}, span),
      })),
      { expectedRevision: 'no_stream' },
    );
    const [append] = finished('append');
    expect(append?.parentSpanContext?.spanId).toBe(first.spanContext().spanId);
    expect(append?.links.map((link) => link.context.spanId)).toEqual([other.spanContext().spanId]);
    expect(append?.attributes).toMatchObject({ 'order_engine.stream_id': 'product-A', 'order_engine.events': 3 });
  });
});
