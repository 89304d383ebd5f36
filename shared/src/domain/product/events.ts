import { z } from 'zod';
import { Cents, Currency } from '../money.js';
import { HoldId, OrderId, Sku } from '../ids.js';

// One zod schema per event; its current schema version is in ../event-registry.ts.
const event = <T extends string, D extends z.ZodRawShape>(type: T, data: D) =>
  z.object({ type: z.literal(type), data: z.object(data) });

const Count = z.number().int().min(0);

export const ProductRegistered = event('ProductRegistered', {
  sku: Sku,
  name: z.string(),
  category: z.string(),
  priceCents: Cents,
  currency: Currency,
});
export const PriceChanged = event('PriceChanged', { sku: Sku, priceCents: Cents, previousPriceCents: Cents });
export const StockAdded = event('StockAdded', { sku: Sku, quantity: Count });
export const StockReserved = event('StockReserved', { sku: Sku, orderId: OrderId, quantity: Count });
export const StockReservationRejected = event('StockReservationRejected', {
  sku: Sku,
  orderId: OrderId,
  requested: Count,
  available: Count,
  reason: z.enum(['insufficient_stock', 'discontinued']),
});
export const StockHeld = event('StockHeld', { sku: Sku, holdId: HoldId, quantity: Count, reason: z.string() });
export const StockHoldReleased = event('StockHoldReleased', { sku: Sku, holdId: HoldId, quantity: Count });
export const StockReleased = event('StockReleased', { sku: Sku, orderId: OrderId, quantity: Count });
export const StockShipped = event('StockShipped', { sku: Sku, orderId: OrderId, quantity: Count });
export const ProductDiscontinued = event('ProductDiscontinued', { sku: Sku });

export type ProductRegistered = z.infer<typeof ProductRegistered>;
export type PriceChanged = z.infer<typeof PriceChanged>;
export type StockAdded = z.infer<typeof StockAdded>;
export type StockReserved = z.infer<typeof StockReserved>;
export type StockReservationRejected = z.infer<typeof StockReservationRejected>;
export type StockHeld = z.infer<typeof StockHeld>;
export type StockHoldReleased = z.infer<typeof StockHoldReleased>;
export type StockReleased = z.infer<typeof StockReleased>;
export type StockShipped = z.infer<typeof StockShipped>;
export type ProductDiscontinued = z.infer<typeof ProductDiscontinued>;

export const ProductEvent = z.discriminatedUnion('type', [
  ProductRegistered,
  PriceChanged,
  StockAdded,
  StockReserved,
  StockReservationRejected,
  StockReleased,
  StockShipped,
  StockHeld,
  StockHoldReleased,
  ProductDiscontinued,
]);
export type ProductEvent = z.infer<typeof ProductEvent>;
