import type { OrderEvent, ProductEvent } from '@order-engine/shared';

// Domain events as the command side writes them, for history specs.

export const registered = (sku: string, priceCents: number): ProductEvent => ({
  type: 'ProductRegistered',
  data: { sku, name: `Product ${sku}`, category: 'test', priceCents, currency: 'EUR' },
});
export const stockAdded = (sku: string, quantity: number): ProductEvent => ({
  type: 'StockAdded',
  data: { sku, quantity },
});
export const priceChanged = (sku: string, priceCents: number, previousPriceCents: number): ProductEvent => ({
  type: 'PriceChanged',
  data: { sku, priceCents, previousPriceCents },
});
export const stockReserved = (sku: string, orderId: string, quantity: number): ProductEvent => ({
  type: 'StockReserved',
  data: { sku, orderId, quantity },
});
export const stockReleased = (sku: string, orderId: string, quantity: number): ProductEvent => ({
  type: 'StockReleased',
  data: { sku, orderId, quantity },
});

export const placed = (orderId: string, sku: string, quantity: number, unitPriceCents: number): OrderEvent => ({
  type: 'OrderPlaced',
  data: {
    orderId,
    customerId: 'alice',
    lines: [{ sku, quantity, unitPriceCents }],
    currency: 'EUR',
    totalCents: quantity * unitPriceCents,
    placedAt: '2026-03-01T10:00:00.000Z',
  },
});
export const lineReserved = (orderId: string, sku: string, quantity: number): OrderEvent => ({
  type: 'OrderLineReserved',
  data: { orderId, sku, quantity },
});
export const confirmed = (orderId: string): OrderEvent => ({ type: 'OrderConfirmed', data: { orderId } });
export const cancelled = (orderId: string): OrderEvent => ({
  type: 'OrderCancelled',
  data: { orderId, reason: 'changed my mind' },
});
