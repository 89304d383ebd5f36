import { Partitioners, type PartitionMetadata } from 'kafkajs';
import type { GlobalPosition, RecordedEvent } from '../event-store/event-store.js';
import type { TraceCarrier } from '../tracing/trace-carrier.js';

// The Kafka wire format shared by the relay (producer) and the feeds (consumers).
// - event messages: key = stream id (so one stream stays in one partition, in revision order), value = the envelope
//   as JSON with `position` as a decimal string, headers `kind: event`, `type`, `position`, and with tracing on
//   `traceparent` (and `tracestate`): the relay's send span, which consumers continue (docs/tracing.md);
// - watermark messages: sent by the relay to EVERY partition after each acknowledged batch, value `{ position }`,
//   header `kind: watermark`: "this partition holds every event up to this position", which lets consumers of idle
//   partitions advance, so lag and read-your-writes stay true across partitions.

export const DEFAULT_EVENTS_TOPIC = 'order-engine.events';

export interface OutgoingMessage {
  key: string | null;
  value: string;
  partition?: number;
  headers: Record<string, string>;
}

export type IncomingMessage = { kind: 'event'; event: RecordedEvent } | { kind: 'watermark'; position: GlobalPosition };

export function eventMessage(event: RecordedEvent): OutgoingMessage {
  return {
    key: event.streamId,
    value: JSON.stringify({
      ...event,
      position: event.position.toString(),
      recordedAt: event.recordedAt.toISOString(),
    }),
    headers: { kind: 'event', type: event.type, position: event.position.toString() },
  };
}

/** The message with the trace context of the span that sends it in its headers (none: as it is). */
export const withTraceHeaders = (message: OutgoingMessage, trace: TraceCarrier | undefined): OutgoingMessage =>
  trace ? { ...message, headers: { ...message.headers, ...trace } } : message;

export function watermarkMessage(partition: number, position: GlobalPosition): OutgoingMessage {
  return {
    key: null,
    partition,
    value: JSON.stringify({ position: position.toString() }),
    headers: { kind: 'watermark', position: position.toString() },
  };
}

const byKey = Partitioners.DefaultPartitioner();
const partitionsOf = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));

/**
 * The partition of a topic with `partitions` partitions that holds a stream's events: the relay's producer's choice.
 */
export const partitionOfStream = (streamId: string, partitions: number): number =>
  byKey({ topic: '', partitionMetadata: partitionsOf(partitions), message: { key: streamId, value: null } });

export class MalformedMessage extends Error {
  constructor(reason: string) {
    super(`malformed Kafka message: ${reason}`);
    this.name = 'MalformedMessage';
  }
}

const headerText = (value: Buffer | string | (Buffer | string)[] | undefined): string | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? headerText(value[0]) : value.toString();

type Headers = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** What an event message's key and headers say, without parsing its value; undefined for any other message. */
export function peekEvent(
  key: Buffer | string | null,
  headers: Headers,
): { streamId: string; type: string; position: GlobalPosition } | undefined {
  const type = headerText(headers.type);
  const position = headerText(headers.position);
  if (
    headerText(headers.kind) !== 'event' ||
    key === null ||
    type === undefined ||
    position === undefined ||
    !/^\d{1,19}$/.test(position)
  )
    return undefined;
  return { streamId: key.toString(), type, position: BigInt(position) };
}

export function parseMessage(value: Buffer | string | null, headers: Headers = {}): IncomingMessage {
  if (value === null) throw new MalformedMessage('empty value');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(value.toString()) as Record<string, unknown>;
  } catch {
    throw new MalformedMessage('value is not JSON');
  }
  const kind = headerText(headers.kind) ?? 'event';
  if (typeof body.position !== 'string' || !/^\d+$/.test(body.position))
    throw new MalformedMessage('no decimal position');
  const position = BigInt(body.position);
  if (kind === 'watermark') return { kind, position };
  if (typeof body.streamId !== 'string' || typeof body.type !== 'string' || typeof body.recordedAt !== 'string') {
    throw new MalformedMessage('not an event envelope');
  }
  return {
    kind: 'event',
    event: { ...(body as unknown as RecordedEvent), position, recordedAt: new Date(body.recordedAt) },
  };
}
