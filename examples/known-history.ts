import { randomUUID } from 'node:crypto';
import {
  encodeEvent,
  orderStream,
  productStream,
  type DomainEvent,
  type OrderEvent,
  type RecordedEvent,
} from '@order-engine/shared';
import { loadReducer, runReducer, type ReplayOutcome } from '../cli/replay/reducer.js';

// A known stretch of history for the example reducers' specs, stored as the event store stores it (so replay
// decodes and upcasts it, as the CLI does). All EUR; times in UTC.
//
//   o-1  placed 03-05 10:00 (2 lamps at 25.00, 1 mug at 8.00), paid 03-05, shipped 03-06 16:00 (30 h)
//   o-2  placed 03-20 (10 mugs), rejected for stock
//   o-3  placed 03-28 (3 lamps), paid 03-29, cancelled 04-02: a refund of March's 75.00
//   o-4  placed 03-31 23:30 (2 mugs), paid 04-01 00:10 (counts in April), shipped 04-03 00:30 (49 h)
//   o-5  placed 04-10 (1 vase at 40.00, 1 lamp at 27.00), paid 04-10, not shipped
// Product events sit in between, and the lamp was registered with schema version 1 (upcast on replay).

const order = (orderId: string, lines: [sku: string, quantity: number, unitPriceCents: number][]): OrderEvent => ({
  type: 'OrderPlaced',
  data: {
    orderId,
    customerId: 'alice',
    lines: lines.map(([sku, quantity, unitPriceCents]) => ({ sku, quantity, unitPriceCents })),
    currency: 'EUR',
    totalCents: lines.reduce((sum, [, quantity, price]) => sum + quantity * price, 0),
    placedAt: '2026-03-01T00:00:00.000Z',
  },
});
const paid = (orderId: string, amountCents: number): OrderEvent => ({
  type: 'OrderPaid',
  data: { orderId, amountCents, currency: 'EUR' },
});
const shipped = (orderId: string): OrderEvent => ({
  type: 'OrderShipped',
  data: { orderId, carrier: 'DHL', trackingNumber: `T-${orderId}` },
});

/** ProductRegistered as schema version 1 wrote it, before products had a category. */
const registeredV1 = {
  type: 'ProductRegistered',
  data: { sku: 'lamp', name: 'Lamp', priceCents: 2500, currency: 'EUR' },
} as unknown as DomainEvent;

const timeline: [at: string, event: DomainEvent, version?: number][] = [
  ['2026-03-01T09:00:00Z', registeredV1, 1],
  [
    '2026-03-01T09:00:00Z',
    {
      type: 'ProductRegistered',
      data: { sku: 'mug', name: 'Mug', category: 'kitchen', priceCents: 800, currency: 'EUR' },
    },
  ],
  [
    '2026-03-01T09:00:00Z',
    {
      type: 'ProductRegistered',
      data: { sku: 'vase', name: 'Vase', category: 'home', priceCents: 4000, currency: 'EUR' },
    },
  ],
  [
    '2026-03-05T10:00:00Z',
    order('o-1', [
      ['lamp', 2, 2500],
      ['mug', 1, 800],
    ]),
  ],
  ['2026-03-05T10:01:00Z', { type: 'StockReserved', data: { sku: 'lamp', orderId: 'o-1', quantity: 2 } }],
  ['2026-03-05T10:01:00Z', { type: 'OrderConfirmed', data: { orderId: 'o-1' } }],
  ['2026-03-05T11:00:00Z', paid('o-1', 5800)],
  ['2026-03-06T16:00:00Z', shipped('o-1')],
  ['2026-03-06T16:00:00Z', { type: 'StockShipped', data: { sku: 'lamp', orderId: 'o-1', quantity: 2 } }],
  ['2026-03-20T08:00:00Z', order('o-2', [['mug', 10, 800]])],
  [
    '2026-03-20T08:00:01Z',
    { type: 'OrderRejected', data: { orderId: 'o-2', reason: 'insufficient_stock', sku: 'mug' } },
  ],
  ['2026-03-28T12:00:00Z', order('o-3', [['lamp', 3, 2500]])],
  ['2026-03-29T12:00:00Z', paid('o-3', 7500)],
  ['2026-03-31T23:30:00Z', order('o-4', [['mug', 2, 800]])],
  ['2026-04-01T00:10:00Z', paid('o-4', 1600)],
  ['2026-04-02T12:00:00Z', { type: 'OrderCancelled', data: { orderId: 'o-3', reason: 'changed my mind' } }],
  ['2026-04-03T00:30:00Z', shipped('o-4')],
  ['2026-04-05T00:00:00Z', { type: 'PriceChanged', data: { sku: 'lamp', priceCents: 2700, previousPriceCents: 2500 } }],
  [
    '2026-04-10T09:00:00Z',
    order('o-5', [
      ['vase', 1, 4000],
      ['lamp', 1, 2700],
    ]),
  ],
  ['2026-04-10T09:30:00Z', paid('o-5', 6700)],
];

/** The timeline as stored events, in global order. */
export function knownHistory(): RecordedEvent[] {
  const revisions = new Map<string, number>();
  return timeline.map(([at, event, version], i) => {
    const stored = encodeEvent(event);
    const streamId = event.type.startsWith('Order')
      ? orderStream((event.data as { orderId: string }).orderId)
      : productStream((event.data as { sku: string }).sku);
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    return {
      eventId: randomUUID(),
      type: stored.type,
      version: version ?? stored.version,
      streamId,
      revision,
      position: BigInt(i + 1),
      recordedAt: new Date(at),
      data: stored.data,
      metadata: {},
    };
  });
}

/** Loads an example as the CLI does and folds the known history through it, in pages of 4. */
export async function replayExample(file: string, events: RecordedEvent[] = knownHistory()): Promise<ReplayOutcome> {
  const reducer = await loadReducer(new URL(file, import.meta.url));
  const pages = async function* () {
    for (let i = 0; i < events.length; i += 4) yield events.slice(i, i + 4);
  };
  return runReducer(reducer, pages());
}
