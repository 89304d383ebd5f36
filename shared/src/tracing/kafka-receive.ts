import { SpanKind } from '@opentelemetry/api';
import type { FeedBatch } from '../bus/event-feed.js';
import { spansPerTrace } from './spans-per-trace.js';

/** The batch a Kafka feed hands over, its events carrying their receive spans on, and the end of those spans. */
export interface Received {
  batch: FeedBatch;
  end(): void;
}

/**
 * A Kafka feed's receive of one batch: a span `receive <topic>` per trace its events carry (each a child of the relay's
 * send span the message headers named, see kafka-batch.ts), lasting until the consumer has finished the batch. The
 * events handed over carry the receive spans' context, so the consumer's work continues from them.
 */
export function received(batch: FeedBatch, topic: string, groupId: string): Received {
  if (batch.events.length === 0) return { batch, end: () => undefined };
  const spans = spansPerTrace(`receive ${topic}`, batch.events, {
    kind: SpanKind.CONSUMER,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'receive',
      'messaging.destination.name': topic,
      'messaging.consumer.group.name': groupId,
      'messaging.destination.partition.id': String(batch.partition),
    },
  });
  const events = batch.events.map((event) => spans.retraced(event));
  const changed = events.some((event, i) => event !== batch.events[i]);
  return { batch: changed ? { ...batch, events } : batch, end: () => spans.end() };
}
