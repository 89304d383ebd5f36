import { describe, expect, it } from 'vitest';
import {
  fold,
  orderDecider,
  type Order,
  type OrderCancelled,
  type OrderEvent,
  type OrderPlaced,
  type OrderRejected,
  type OrderShipped,
  type ReserveStock,
  type StockReservationRejected,
  type StockReserved,
} from '@order-engine/shared';
import { afterQuietReservation, fulfilmentReactions } from './fulfilment.js';

const orderId = 'o-1';
const lines = [
  { sku: 'KETTLE', quantity: 2, unitPriceCents: 2_499 },
  { sku: 'MUG', quantity: 3, unitPriceCents: 650 },
];
const totalCents = 2 * 2_499 + 3 * 650;
const placed: OrderPlaced = {
  type: 'OrderPlaced',
  data: { orderId, customerId: 'c-1', lines, currency: 'EUR', totalCents, placedAt: '2026-01-15T10:00:00.000Z' },
};
const lineReserved = (sku: string, quantity: number): OrderEvent => ({
  type: 'OrderLineReserved',
  data: { orderId, sku, quantity },
});
const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { orderId } };
const rejected: OrderRejected = { type: 'OrderRejected', data: { orderId, reason: 'insufficient stock', sku: 'MUG' } };
const cancelled: OrderCancelled = { type: 'OrderCancelled', data: { orderId, reason: 'changed my mind' } };
const paid: OrderEvent = { type: 'OrderPaid', data: { orderId, amountCents: totalCents, currency: 'EUR' } };
const shipped: OrderShipped = { type: 'OrderShipped', data: { orderId, carrier: 'DHL', trackingNumber: 'T-1' } };

const stockReserved = (sku: string, quantity: number, forOrder = orderId): StockReserved => ({
  type: 'StockReserved',
  data: { sku, orderId: forOrder, quantity },
});
const stockRejected = (
  sku: string,
  reason: 'insufficient_stock' | 'discontinued' = 'insufficient_stock',
): StockReservationRejected => ({
  type: 'StockReservationRejected',
  data: { sku, orderId, requested: 3, available: 1, reason },
});

const order = (...events: OrderEvent[]): Order => fold(orderDecider, events);
const none: Order = orderDecider.initialState;
const fullyReserved = [placed, lineReserved('KETTLE', 2), lineReserved('MUG', 3), confirmed];

describe('fulfilment saga decisions', () => {
  describe('OrderPlaced', () => {
    it('reserves stock for every line of a placed order', () => {
      expect(fulfilmentReactions(placed, order(placed))).toEqual([
        { target: 'product', command: { type: 'ReserveStock', data: { sku: 'KETTLE', orderId, quantity: 2 } } },
        { target: 'product', command: { type: 'ReserveStock', data: { sku: 'MUG', orderId, quantity: 3 } } },
      ]);
    });

    it.each([
      ['confirmed', fullyReserved],
      ['rejected', [placed, rejected]],
      ['cancelled', [placed, cancelled]],
    ] as const)('reserves nothing when redelivered once the order is %s', (_status, history) => {
      expect(fulfilmentReactions(placed, order(...history))).toEqual([]);
    });
  });

  describe('StockReserved', () => {
    it('marks the line reserved on a placed order', () => {
      expect(fulfilmentReactions(stockReserved('MUG', 3), order(placed), 3)).toEqual([
        { target: 'order', command: { type: 'MarkLineReserved', data: { orderId, sku: 'MUG', quantity: 3 } } },
      ]);
    });

    it('decides nothing on a reservation the product no longer holds: one settled before the order was placed', () => {
      expect(fulfilmentReactions(stockReserved('MUG', 3), order(placed), undefined)).toEqual([]);
    });

    it('does nothing for a line already marked', () => {
      expect(fulfilmentReactions(stockReserved('MUG', 3), order(placed, lineReserved('MUG', 3)), 3)).toEqual([]);
    });

    it.each([
      ['rejected', [placed, rejected]],
      ['cancelled', [placed, cancelled]],
    ] as const)('releases the stock when the order is already %s', (_status, history) => {
      expect(fulfilmentReactions(stockReserved('KETTLE', 2), order(...history), 2)).toEqual([
        { target: 'product', command: { type: 'ReleaseStock', data: { sku: 'KETTLE', orderId } } },
      ]);
    });

    it.each([
      ['confirmed', fullyReserved],
      ['paid', [...fullyReserved, paid]],
      ['shipped', [...fullyReserved, paid, shipped]],
    ] as const)('does nothing when redelivered once the order is %s', (_status, history) => {
      expect(fulfilmentReactions(stockReserved('KETTLE', 2), order(...history), 2)).toEqual([]);
    });

    it.each([1, 4])(
      'rejects the order when the product holds %i units for a line of 3: only the full quantity reserves it',
      (quantity) => {
        expect(fulfilmentReactions(stockReserved('MUG', quantity), order(placed), quantity)).toEqual([
          {
            target: 'order',
            command: {
              type: 'RejectOrder',
              data: { orderId, sku: 'MUG', reason: `stock for MUG is reserved for this order as ${quantity}, not 3` },
            },
          },
        ]);
      },
    );

    it('leaves alone a reservation for an order that does not exist or lacks that line', () => {
      expect(fulfilmentReactions(stockReserved('KETTLE', 2, 'o-unknown'), none, 2)).toEqual([]);
      expect(fulfilmentReactions(stockReserved('TOASTER', 1), order(placed), 1)).toEqual([]);
    });
  });

  describe('StockReservationRejected', () => {
    it('rejects the placed order, naming the sku and why', () => {
      expect(fulfilmentReactions(stockRejected('MUG'), order(placed, lineReserved('KETTLE', 2)))).toEqual([
        {
          target: 'order',
          command: {
            type: 'RejectOrder',
            data: { orderId, sku: 'MUG', reason: 'insufficient stock for MUG: requested 3, available 1' },
          },
        },
      ]);
    });

    it('says when the product is discontinued', () => {
      const [reaction] = fulfilmentReactions(stockRejected('MUG', 'discontinued'), order(placed));
      expect(reaction?.command).toMatchObject({ type: 'RejectOrder', data: { reason: 'product MUG is discontinued' } });
    });

    it.each([
      ['rejected', [placed, rejected]],
      ['cancelled', [placed, cancelled]],
    ] as const)('does nothing when the order is already %s', (_status, history) => {
      expect(fulfilmentReactions(stockRejected('MUG'), order(...history))).toEqual([]);
    });

    it('does nothing for an unknown order', () => {
      expect(fulfilmentReactions(stockRejected('MUG'), none)).toEqual([]);
    });
  });

  describe.each([
    ['OrderRejected', rejected, [placed, lineReserved('KETTLE', 2), rejected]],
    ['OrderCancelled', cancelled, [...fullyReserved, cancelled]],
  ] as const)('%s', (_type, event, history) => {
    it('releases the stock of every line (a no-op where none is held)', () => {
      expect(fulfilmentReactions(event, order(...history))).toEqual([
        { target: 'product', command: { type: 'ReleaseStock', data: { sku: 'KETTLE', orderId } } },
        { target: 'product', command: { type: 'ReleaseStock', data: { sku: 'MUG', orderId } } },
      ]);
    });
  });

  describe.each([
    ['OrderRejected', rejected],
    ['OrderCancelled', cancelled],
  ] as const)('a replayed or forged %s', (_type, event) => {
    it.each([
      ['placed', [placed, lineReserved('KETTLE', 2)]],
      ['confirmed', fullyReserved],
      ['paid', [...fullyReserved, paid]],
      ['shipped', [...fullyReserved, paid, shipped]],
    ] as const)("frees nothing while the order's own stream says it is %s", (_status, history) => {
      expect(fulfilmentReactions(event, order(...history))).toEqual([]);
    });
  });

  describe('OrderShipped', () => {
    it('ships the reserved stock of every line', () => {
      expect(fulfilmentReactions(shipped, order(...fullyReserved, paid, shipped))).toEqual([
        { target: 'product', command: { type: 'ShipStock', data: { sku: 'KETTLE', orderId } } },
        { target: 'product', command: { type: 'ShipStock', data: { sku: 'MUG', orderId } } },
      ]);
    });

    it.each([
      ['confirmed', fullyReserved],
      ['paid', [...fullyReserved, paid]],
      ['cancelled', [...fullyReserved, cancelled]],
    ] as const)('ships nothing when replayed or forged while the order is %s', (_status, history) => {
      expect(fulfilmentReactions(shipped, order(...history))).toEqual([]);
    });
  });

  describe('a reservation that recorded nothing (the product already had one, or had settled one, for this order id)', () => {
    const reserve = (sku: string, quantity: number): ReserveStock => ({
      type: 'ReserveStock',
      data: { sku, orderId, quantity },
    });

    it('marks the line reserved when the product holds exactly its quantity for the order', () => {
      expect(afterQuietReservation(reserve('MUG', 3), 3, order(placed))).toEqual([
        { target: 'order', command: { type: 'MarkLineReserved', data: { orderId, sku: 'MUG', quantity: 3 } } },
      ]);
    });

    it.each([
      [1, 'stock for MUG is reserved for this order as 1, not 3'],
      [900, 'stock for MUG is reserved for this order as 900, not 3'],
      [undefined, 'no stock of MUG could be reserved for this order'],
    ] as const)('rejects the order when the product holds %s for it', (held, reason) => {
      expect(afterQuietReservation(reserve('MUG', 3), held, order(placed))).toEqual([
        { target: 'order', command: { type: 'RejectOrder', data: { orderId, sku: 'MUG', reason } } },
      ]);
    });

    it('does nothing once the order moved on or the line is marked', () => {
      expect(afterQuietReservation(reserve('MUG', 3), undefined, order(placed, rejected))).toEqual([]);
      expect(afterQuietReservation(reserve('MUG', 3), 3, order(placed, lineReserved('MUG', 3)))).toEqual([]);
      expect(afterQuietReservation(reserve('MUG', 3), 3, none)).toEqual([]);
    });
  });

  it('decides the same when it sees the same event twice against the same state', () => {
    const state = order(placed, lineReserved('KETTLE', 2));
    for (const event of [
      placed,
      stockReserved('MUG', 3),
      stockRejected('MUG'),
      rejected,
      cancelled,
      shipped,
    ] as const) {
      expect(fulfilmentReactions(event, state)).toEqual(fulfilmentReactions(event, state));
    }
  });
});
