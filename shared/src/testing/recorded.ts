import { randomUUID } from 'node:crypto';
import {
  orderStream,
  ProductEvent,
  productStream,
  type DomainEvent,
  type RecordedDomainEvent,
} from '../domain/index.js';

// Stamps domain events as an event store would (stream, revision per stream, dense positions, clock), for pure specs.

const productEventTypes = new Set<string>(ProductEvent.options.map((option) => option.shape.type.value));

/** The stream a domain event belongs to, as the command side would write it. */
export const streamOf = (event: DomainEvent): string =>
  productEventTypes.has(event.type)
    ? productStream((event.data as { sku: string }).sku)
    : orderStream((event.data as { orderId: string }).orderId);

export function eventRecorder(start = new Date('2026-03-01T10:00:00.000Z'), stepMs = 60_000) {
  let position = 0n;
  const revisions = new Map<string, number>();
  return <E extends DomainEvent>(event: E, at?: Date): RecordedDomainEvent<E> => {
    const streamId = streamOf(event);
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    position += 1n;
    const recordedAt = at ?? new Date(start.getTime() + Number(position - 1n) * stepMs);
    return {
      eventId: randomUUID(),
      version: 1,
      streamId,
      revision,
      position,
      recordedAt,
      metadata: {},
      ...event,
    } as RecordedDomainEvent<E>;
  };
}
