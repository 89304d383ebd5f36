import {
  encodeEvent,
  orderStream,
  productStream,
  type DomainEvent,
  type EventStore,
  type GlobalPosition,
  type OrderEvent,
} from '@order-engine/shared';

// A realistic stretch of history, in the order the command side and the fulfilment saga would write it:
// products registered and restocked; o-1 runs to delivery; o-2 is rejected for stock; o-3 is paid then cancelled
// (a refund); o-4 stays paid; a price change and a discontinuation.

export interface HistoryStep {
  streamId: string;
  events: DomainEvent[];
}

const product = (sku: string, ...events: DomainEvent[]): HistoryStep => ({ streamId: productStream(sku), events });
const order = (orderId: string, ...events: OrderEvent[]): HistoryStep => ({ streamId: orderStream(orderId), events });

const placed = (
  orderId: string,
  customerId: string,
  lines: { sku: string; quantity: number; unitPriceCents: number }[],
): OrderEvent => ({
  type: 'OrderPlaced',
  data: {
    orderId,
    customerId,
    lines,
    currency: 'EUR',
    totalCents: lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0),
    placedAt: '2026-03-01T10:00:00.000Z',
  },
});

export const sampleHistory: readonly HistoryStep[] = [
  product('lamp', {
    type: 'ProductRegistered',
    data: { sku: 'lamp', name: 'Desk lamp', category: 'lighting', priceCents: 2500, currency: 'EUR' },
  }),
  product('mug', {
    type: 'ProductRegistered',
    data: { sku: 'mug', name: 'Mug', category: 'kitchen', priceCents: 800, currency: 'EUR' },
  }),
  product('vase', {
    type: 'ProductRegistered',
    data: { sku: 'vase', name: 'Vase', category: 'home', priceCents: 4000, currency: 'EUR' },
  }),
  product('lamp', { type: 'StockAdded', data: { sku: 'lamp', quantity: 10 } }),
  product('mug', { type: 'StockAdded', data: { sku: 'mug', quantity: 5 } }),

  order(
    'o-1',
    placed('o-1', 'alice', [
      { sku: 'lamp', quantity: 2, unitPriceCents: 2500 },
      { sku: 'mug', quantity: 1, unitPriceCents: 800 },
    ]),
  ),
  product('lamp', { type: 'StockReserved', data: { sku: 'lamp', orderId: 'o-1', quantity: 2 } }),
  order('o-1', { type: 'OrderLineReserved', data: { orderId: 'o-1', sku: 'lamp', quantity: 2 } }),
  product('mug', { type: 'StockReserved', data: { sku: 'mug', orderId: 'o-1', quantity: 1 } }),
  order(
    'o-1',
    { type: 'OrderLineReserved', data: { orderId: 'o-1', sku: 'mug', quantity: 1 } },
    { type: 'OrderConfirmed', data: { orderId: 'o-1' } },
  ),

  order('o-2', placed('o-2', 'bob', [{ sku: 'mug', quantity: 10, unitPriceCents: 800 }])),
  product('mug', {
    type: 'StockReservationRejected',
    data: { sku: 'mug', orderId: 'o-2', requested: 10, available: 4, reason: 'insufficient_stock' },
  }),
  order('o-2', { type: 'OrderRejected', data: { orderId: 'o-2', reason: 'insufficient_stock', sku: 'mug' } }),

  order('o-1', { type: 'OrderPaid', data: { orderId: 'o-1', amountCents: 5800, currency: 'EUR' } }),
  order('o-1', { type: 'OrderShipped', data: { orderId: 'o-1', carrier: 'DHL', trackingNumber: 'JD0001' } }),
  product('lamp', { type: 'StockShipped', data: { sku: 'lamp', orderId: 'o-1', quantity: 2 } }),
  product('mug', { type: 'StockShipped', data: { sku: 'mug', orderId: 'o-1', quantity: 1 } }),
  order('o-1', { type: 'OrderDelivered', data: { orderId: 'o-1' } }),

  order('o-3', placed('o-3', 'alice', [{ sku: 'lamp', quantity: 3, unitPriceCents: 2500 }])),
  product('lamp', { type: 'StockReserved', data: { sku: 'lamp', orderId: 'o-3', quantity: 3 } }),
  order(
    'o-3',
    { type: 'OrderLineReserved', data: { orderId: 'o-3', sku: 'lamp', quantity: 3 } },
    { type: 'OrderConfirmed', data: { orderId: 'o-3' } },
  ),
  order('o-3', { type: 'OrderPaid', data: { orderId: 'o-3', amountCents: 7500, currency: 'EUR' } }),
  order('o-3', { type: 'OrderCancelled', data: { orderId: 'o-3', reason: 'changed my mind' } }),
  product('lamp', { type: 'StockReleased', data: { sku: 'lamp', orderId: 'o-3', quantity: 3 } }),

  product('lamp', { type: 'PriceChanged', data: { sku: 'lamp', priceCents: 2700, previousPriceCents: 2500 } }),
  product('vase', { type: 'ProductDiscontinued', data: { sku: 'vase' } }),

  order('o-4', placed('o-4', 'carol', [{ sku: 'mug', quantity: 2, unitPriceCents: 800 }])),
  product('mug', { type: 'StockReserved', data: { sku: 'mug', orderId: 'o-4', quantity: 2 } }),
  order(
    'o-4',
    { type: 'OrderLineReserved', data: { orderId: 'o-4', sku: 'mug', quantity: 2 } },
    { type: 'OrderConfirmed', data: { orderId: 'o-4' } },
  ),
  order('o-4', { type: 'OrderPaid', data: { orderId: 'o-4', amountCents: 1600, currency: 'EUR' } }),
];

/** Appends the steps through the domain's encoding; returns the head position afterwards. */
export async function appendHistory(
  store: EventStore,
  steps: readonly HistoryStep[] = sampleHistory,
): Promise<GlobalPosition> {
  let head = 0n;
  for (const step of steps)
    head = (
      await store.append(
        step.streamId,
        step.events.map((event) => encodeEvent(event)),
      )
    ).position;
  return head;
}
