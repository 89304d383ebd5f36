import { z } from 'zod';
import { Cents, Currency } from '../money.js';
import { CustomerId, OrderId, Sku } from '../ids.js';

const event = <T extends string, D extends z.ZodRawShape>(type: T, data: D) =>
  z.object({ type: z.literal(type), data: z.object(data) });

export const OrderLine = z.object({ sku: Sku, quantity: z.number().int().min(1), unitPriceCents: Cents });
export type OrderLine = z.infer<typeof OrderLine>;

export const OrderPlaced = event('OrderPlaced', {
  orderId: OrderId,
  customerId: CustomerId,
  lines: z.array(OrderLine).min(1),
  currency: Currency,
  totalCents: Cents,
  placedAt: z.iso.datetime(),
});
export const OrderLineReserved = event('OrderLineReserved', {
  orderId: OrderId,
  sku: Sku,
  quantity: z.number().int().min(1),
});
export const OrderConfirmed = event('OrderConfirmed', { orderId: OrderId });
export const OrderRejected = event('OrderRejected', { orderId: OrderId, reason: z.string(), sku: Sku.optional() });
export const OrderPaid = event('OrderPaid', { orderId: OrderId, amountCents: Cents, currency: Currency });
export const OrderShipped = event('OrderShipped', {
  orderId: OrderId,
  carrier: z.string(),
  trackingNumber: z.string(),
});
export const OrderDelivered = event('OrderDelivered', { orderId: OrderId });
export const OrderCancelled = event('OrderCancelled', { orderId: OrderId, reason: z.string() });

export type OrderPlaced = z.infer<typeof OrderPlaced>;
export type OrderLineReserved = z.infer<typeof OrderLineReserved>;
export type OrderConfirmed = z.infer<typeof OrderConfirmed>;
export type OrderRejected = z.infer<typeof OrderRejected>;
export type OrderPaid = z.infer<typeof OrderPaid>;
export type OrderShipped = z.infer<typeof OrderShipped>;
export type OrderDelivered = z.infer<typeof OrderDelivered>;
export type OrderCancelled = z.infer<typeof OrderCancelled>;

export const OrderEvent = z.discriminatedUnion('type', [
  OrderPlaced,
  OrderLineReserved,
  OrderConfirmed,
  OrderRejected,
  OrderPaid,
  OrderShipped,
  OrderDelivered,
  OrderCancelled,
]);
export type OrderEvent = z.infer<typeof OrderEvent>;
