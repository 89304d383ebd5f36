import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../event-store/event-store.js';
import { silentLogger } from '../logging/logger.js';
import { eventMessage, watermarkMessage, type OutgoingMessage } from './event-message.js';
import { feedBatchOf, slices } from './kafka-batch.js';

const event = (position: number): RecordedEvent => ({
  eventId: `e-${position}`,
  type: 'StockAdded',
  version: 1,
  streamId: 'product-A',
  revision: position,
  position: BigInt(position),
  recordedAt: new Date('2026-03-01T10:00:00.000Z'),
  data: {},
  metadata: {},
});

let offset = 0;
const received = ({ key, value, headers }: OutgoingMessage): KafkaMessage =>
  ({
    key: key === null ? null : Buffer.from(key),
    value: Buffer.from(value),
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
    offset: String(offset++),
    timestamp: '0',
    attributes: 0,
  }) as KafkaMessage;

describe('Kafka messages to feed batches', () => {
  it('carries the events, and `through` up to the highest event or watermark position', () => {
    expect(
      feedBatchOf(2, [received(eventMessage(event(3))), received(eventMessage(event(7)))], 0n, silentLogger),
    ).toEqual({ events: [event(3), event(7)], partition: 2, through: 7n });
    expect(
      feedBatchOf(2, [received(eventMessage(event(3))), received(watermarkMessage(2, 9n))], 0n, silentLogger),
    ).toEqual({ events: [event(3)], partition: 2, through: 9n });
    expect(feedBatchOf(0, [received(watermarkMessage(0, 12n))], 0n, silentLogger)).toEqual({
      events: [],
      partition: 0,
      through: 12n,
    });
  });

  it('never moves `through` below what the partition delivered before (a resent older event)', () => {
    expect(feedBatchOf(1, [received(eventMessage(event(4)))], 10n, silentLogger)).toEqual({
      events: [event(4)],
      partition: 1,
      through: 10n,
    });
  });

  it('skips malformed messages, and gives no batch when nothing valid is left', () => {
    const junk = received({ key: 'product-A', value: 'not json', headers: { kind: 'event' } });
    expect(feedBatchOf(1, [junk, received(eventMessage(event(5)))], 0n, silentLogger)).toEqual({
      events: [event(5)],
      partition: 1,
      through: 5n,
    });
    expect(feedBatchOf(1, [junk], 3n, silentLogger)).toBeUndefined();
  });

  it('leaves out the events the consumer does not want, unparsed, but counts their positions', () => {
    const order = { ...event(6), streamId: 'order-1', type: 'OrderPlaced' };
    // Its value is not even looked at: a consumer of products never parses an order's event.
    const unparsed = received({ ...eventMessage(order), value: 'not json' });
    const wantsProducts = (streamId: string) => streamId.startsWith('product-');
    expect(feedBatchOf(0, [received(eventMessage(event(5))), unparsed], 0n, silentLogger, wantsProducts)).toEqual({
      events: [event(5)],
      partition: 0,
      through: 6n,
    });
    expect(
      feedBatchOf(0, [received(eventMessage(order))], 0n, silentLogger, (_streamId, type) => type === 'OrderPlaced'),
    ).toEqual({ events: [order], partition: 0, through: 6n });
    // Without the headers that say what it is, a message is parsed as before.
    const bare = received({ ...eventMessage(order), headers: { kind: 'event' } });
    expect(feedBatchOf(0, [bare], 0n, silentLogger, wantsProducts)).toEqual({
      events: [order],
      partition: 0,
      through: 6n,
    });
  });

  it('slices a fetched batch into transactions of at most the batch size', () => {
    expect([...slices([1, 2, 3, 4, 5], 2)]).toEqual([[1, 2], [3, 4], [5]]);
    expect([...slices([], 2)]).toEqual([]);
  });
});
