import type { KafkaMessage } from 'kafkajs';
import type { GlobalPosition, RecordedEvent } from '../event-store/event-store.js';
import type { Logger } from '../logging/logger.js';
import type { EventInterest, FeedBatch } from './event-feed.js';
import { MalformedMessage, parseMessage, peekEvent } from './event-message.js';
import { withCarrier } from '../tracing/event-trace.js';
import { carrierInHeaders } from '../tracing/trace-carrier.js';

/** Splits a fetched Kafka batch into slices of at most size messages: one consumer transaction each. */
export function* slices<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

/**
 * The FeedBatch of one slice of a partition. `through` is the highest position the slice carries (an event's, or a
 * watermark's), never below `delivered`, what this partition delivered before: a partition holds its events in
 * position order, so having read up to position P means having read every event of it up to P. Events the consumer
 * does not want (`wants`) only count toward `through`. Malformed messages are logged and skipped; undefined when the
 * slice holds nothing valid.
 */
export function feedBatchOf(
  partition: number,
  messages: readonly KafkaMessage[],
  delivered: GlobalPosition,
  logger: Logger,
  wants?: EventInterest,
): FeedBatch | undefined {
  const events: RecordedEvent[] = [];
  let through = delivered;
  let valid = false;
  for (const message of messages) {
    const peeked = wants && peekEvent(message.key, message.headers ?? {});
    let position: GlobalPosition;
    if (peeked && !wants(peeked.streamId, peeked.type)) {
      position = peeked.position;
    } else {
      try {
        const parsed = parseMessage(message.value, message.headers ?? {});
        if (parsed.kind === 'event') events.push(sentAs(parsed.event, message.headers));
        position = parsed.kind === 'event' ? parsed.event.position : parsed.position;
      } catch (error) {
        if (!(error instanceof MalformedMessage)) throw error;
        logger.error('skipping a malformed Kafka message', { partition, offset: message.offset, error: error.message });
        continue;
      }
    }
    valid = true;
    if (position > through) through = position;
  }
  return valid ? { events, partition, through } : undefined;
}

/**
 * The event carrying the trace context of the span that sent it, from the message's headers when the relay traced
 * the send: the consumer's work continues from there (docs/tracing.md). The event was just parsed: no one else holds it.
 */
function sentAs(event: RecordedEvent, headers: KafkaMessage['headers']): RecordedEvent {
  const carrier = headers?.traceparent === undefined ? undefined : carrierInHeaders(headers);
  return carrier ? { ...event, metadata: withCarrier(event.metadata, carrier) } : event;
}
