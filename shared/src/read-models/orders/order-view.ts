import { entityCacheKey } from '../cache-keys.js';

// What the query API answers for an order, and what the cache holds (version = the stream revision applied).

export interface OrderLineView {
  sku: string;
  quantity: number;
  unitPriceCents: number;
  lineTotalCents: number;
}

export interface OrderHistoryEntry {
  status: 'placed' | 'confirmed' | 'rejected' | 'paid' | 'shipped' | 'delivered' | 'cancelled';
  at: string;
  reason?: string;
}

export interface OrderView {
  orderId: string;
  customerId: string;
  status: OrderHistoryEntry['status'];
  lines: OrderLineView[];
  totalCents: number;
  currency: string;
  placedAt: string;
  shipment?: { carrier: string; trackingNumber: string };
  history: OrderHistoryEntry[];
  revision: number;
}

export const orderCacheKey = entityCacheKey('order');
