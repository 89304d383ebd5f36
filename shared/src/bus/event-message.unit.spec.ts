import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../event-store/event-store.js';
import { eventMessage, MalformedMessage, parseMessage, watermarkMessage } from './event-message.js';

const event: RecordedEvent = {
  eventId: '7d3c1b1e-8a4f-4a53-9d4e-0c1f1f0b9a11',
  type: 'OrderPlaced',
  version: 1,
  streamId: 'order-42',
  revision: 0,
  position: 9_007_199_254_740_993n, // beyond Number.MAX_SAFE_INTEGER: must survive as a string
  recordedAt: new Date('2026-03-01T12:00:00.123Z'),
  data: { orderId: '42' },
  metadata: { correlationId: 'c-1' },
};

describe('Kafka event messages', () => {
  it('key events by stream id and round-trip the envelope exactly', () => {
    const message = eventMessage(event);
    expect(message.key).toBe('order-42');
    expect(message.headers).toMatchObject({ kind: 'event', type: 'OrderPlaced', position: '9007199254740993' });
    expect(parseMessage(Buffer.from(message.value), message.headers)).toEqual({ kind: 'event', event });
  });

  it('carry watermarks to an explicit partition', () => {
    const message = watermarkMessage(3, 120n);
    expect(message).toMatchObject({ key: null, partition: 3 });
    expect(parseMessage(message.value, { kind: Buffer.from('watermark') })).toEqual({
      kind: 'watermark',
      position: 120n,
    });
  });

  it.each([
    ['null value', null],
    ['not JSON', '{'],
    ['no position', JSON.stringify({ streamId: 's', type: 't', recordedAt: 'x' })],
    ['not an envelope', JSON.stringify({ position: '1' })],
  ])('refuse %s', (_name, value) => {
    expect(() => parseMessage(value)).toThrow(MalformedMessage);
  });
});
