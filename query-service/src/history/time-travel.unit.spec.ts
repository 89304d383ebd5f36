import {
  encodeEvent,
  memoryEventStore,
  type DomainEvent,
  type EventStore,
  type RecordedEvent,
} from '@order-engine/shared';
import { describe, expect, it } from 'vitest';
import { registered, stockAdded } from './testing/domain-events.js';
import { orderAt, productAt } from './time-travel.js';

/** A store whose one stream holds these events, recorded at the given times (which a real store would assign). */
function storeWith(streamId: string, events: [DomainEvent, Date][]): EventStore {
  const stream: RecordedEvent[] = events.map(([event, recordedAt], revision) => ({
    ...encodeEvent(event),
    eventId: `e-${revision}`,
    streamId,
    revision,
    position: BigInt(revision + 1),
    recordedAt,
    metadata: {},
  }));
  return {
    ...memoryEventStore(),
    readStream: async (id, options = {}) =>
      id === streamId
        ? stream.slice(options.fromRevision ?? 0, (options.fromRevision ?? 0) + (options.limit ?? stream.length))
        : [],
  };
}

const at = (second: number) => new Date(Date.UTC(2026, 2, 1, 0, 0, second));

describe('time travel', () => {
  it('folds a long stream page by page, up to a revision or a time', async () => {
    const events: [DomainEvent, Date][] = [
      [registered('lamp', 2500), at(0)],
      ...Array.from({ length: 2_500 }, (_, i): [DomainEvent, Date] => [stockAdded('lamp', 1), at(i + 1)]),
    ];
    const store = storeWith('product-lamp', events);
    expect(await productAt(store, 'lamp', { revision: 2_000 })).toMatchObject({
      found: true,
      entity: { revision: 2_000, state: { onHand: 2_000 } },
    });
    expect(await productAt(store, 'lamp', { at: at(1_500) })).toMatchObject({
      found: true,
      entity: { revision: 1_500, state: { onHand: 1_500 } },
    });
    expect(await productAt(store, 'lamp', { latest: true })).toMatchObject({
      found: true,
      entity: { revision: 2_500, state: { onHand: 2_500 } },
    });
    expect(await productAt(store, 'lamp', { revision: 2_501 })).toEqual({
      found: false,
      reason: 'beyond',
      lastRevision: 2_500,
    });
  });

  it('folds the longest prefix recorded by then: a later revision recorded earlier waits for the one before it', async () => {
    // Revision 2 was stamped before revision 1 (its append waited for the lock); at second 25 revision 1 was not
    // recorded yet, so the product is as it was after revision 0, not revision 0 plus 2.
    const store = storeWith('product-lamp', [
      [registered('lamp', 2500), at(10)],
      [stockAdded('lamp', 1), at(30)],
      [stockAdded('lamp', 5), at(20)],
    ]);
    expect(await productAt(store, 'lamp', { at: at(25) })).toMatchObject({
      found: true,
      entity: { revision: 0, state: { onHand: 0 } },
    });
    expect(await productAt(store, 'lamp', { at: at(30) })).toMatchObject({
      found: true,
      entity: { revision: 2, state: { onHand: 6 } },
    });
  });

  it('tells an unknown entity from one that did not exist yet', async () => {
    const store = storeWith('product-lamp', [[registered('lamp', 2500), at(10)]]);
    expect(await productAt(store, 'vase', { latest: true })).toEqual({ found: false, reason: 'unknown' });
    expect(await productAt(store, 'lamp', { at: at(9) })).toEqual({ found: false, reason: 'not-yet' });
  });

  it('refuses an event of another entity in a stream as a corrupt history', async () => {
    const store = storeWith('order-o-1', [[registered('lamp', 2500), at(10)]]);
    await expect(orderAt(store, 'o-1', { latest: true })).rejects.toThrow(/does not belong in order-o-1/);
  });
});
