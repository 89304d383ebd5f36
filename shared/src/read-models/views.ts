// What the query API answers with, and what the caches hold (version = the stream revision applied).

export type ProductStatus = 'active' | 'discontinued';

export interface ProductView {
  sku: string;
  name: string;
  category: string;
  priceCents: number;
  currency: string;
  onHand: number;
  /** Reserved for orders. */
  reserved: number;
  /** Held by operators (stock holds). */
  held: number;
  /** on hand − reserved − held */
  available: number;
  status: ProductStatus;
  revision: number;
}

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

export interface SalesDayView {
  day: string;
  sku: string;
  currency: string;
  units: number;
  revenueCents: number;
}

// Keys carry the projection's schema (e.g. `catalog_v2:product:lamp`): a rebuilt version never serves a view cached
// from the version before it, and the old version's entries stop being read (the janitor deletes them with its schema).
export const cacheKeys = {
  product: (schema: string, sku: string) => `${schema}:product:${sku}`,
  order: (schema: string, orderId: string) => `${schema}:order:${orderId}`,
  /** What every key of one projection version starts with. */
  ofVersion: (schema: string) => `${schema}:`,
};
