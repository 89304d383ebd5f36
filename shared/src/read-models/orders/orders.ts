import type { OrderEvent, RecordedDomainEvent } from '../../domain/index.js';
import type { OrderHistoryEntry, OrderView } from './order-view.js';

// The orders read model: one row per order with its lines, status timeline and shipment. Pure.

export interface OrderRow extends OrderView {
  position: bigint;
  updatedAt: string;
}

export type OrderDomainEvent = RecordedDomainEvent<OrderEvent>;

const orderEventTypes: Record<OrderEvent['type'], true> = {
  OrderPlaced: true,
  OrderLineReserved: true,
  OrderConfirmed: true,
  OrderRejected: true,
  OrderPaid: true,
  OrderShipped: true,
  OrderDelivered: true,
  OrderCancelled: true,
};

export const isOrderEvent = (event: RecordedDomainEvent): event is OrderDomainEvent =>
  Object.hasOwn(orderEventTypes, event.type);

interface Stamp {
  revision: number;
  position: bigint;
  updatedAt: string;
}

// One object per event, the event's time formatted once: a rebuild folds every order event there is.
const moved = (row: OrderRow, stamp: Stamp, status: OrderHistoryEntry['status'], reason?: string): OrderRow => ({
  ...row,
  status,
  history: [
    ...row.history,
    reason === undefined ? { status, at: stamp.updatedAt } : { status, at: stamp.updatedAt, reason },
  ],
  ...stamp,
});

export function projectOrder(row: OrderRow | undefined, event: OrderDomainEvent): OrderRow | undefined {
  // Delivery is at least once: an event at or below the applied revision has been counted already.
  if (row && event.revision <= row.revision) return row;
  const stamp: Stamp = {
    revision: event.revision,
    position: event.position,
    updatedAt: event.recordedAt.toISOString(),
  };
  if (event.type === 'OrderPlaced') {
    const { orderId, customerId, lines, currency, totalCents, placedAt } = event.data;
    return {
      orderId,
      customerId,
      status: 'placed',
      lines: lines.map(({ sku, quantity, unitPriceCents }) => ({
        sku,
        quantity,
        unitPriceCents,
        lineTotalCents: quantity * unitPriceCents,
      })),
      totalCents,
      currency,
      // Normalised to the millisecond ISO form the database gives back, so a row reads the same before and after
      // storage.
      placedAt: new Date(placedAt).toISOString(),
      history: [{ status: 'placed', at: stamp.updatedAt }],
      ...stamp,
    };
  }
  if (!row) return undefined;
  switch (event.type) {
    case 'OrderLineReserved':
      return { ...row, ...stamp };
    case 'OrderConfirmed':
      return moved(row, stamp, 'confirmed');
    case 'OrderRejected':
      return moved(row, stamp, 'rejected', event.data.reason);
    case 'OrderPaid':
      return moved(row, stamp, 'paid');
    case 'OrderShipped': {
      const { carrier, trackingNumber } = event.data;
      return { ...moved(row, stamp, 'shipped'), shipment: { carrier, trackingNumber } };
    }
    case 'OrderDelivered':
      return moved(row, stamp, 'delivered');
    case 'OrderCancelled':
      return moved(row, stamp, 'cancelled', event.data.reason);
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled order event ${JSON.stringify(unhandled)}`);
    }
  }
}

export const orderView = ({ position: _position, updatedAt: _updatedAt, ...view }: OrderRow): OrderView => view;
