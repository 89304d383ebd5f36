import { z } from 'zod';
import { Cents, Currency } from '../money.js';
import { CustomerId, OrderId, Quantity, Sku } from '../ids.js';
import { Text } from '../text.js';

const command = <T extends string, D extends z.ZodRawShape>(type: T, data: D) =>
  z.strictObject({ type: z.literal(type), data: z.strictObject(data) });

/** A line as the decider sees it: priced from the catalog by the command handler before deciding. */
export const PricedLine = z.strictObject({ sku: Sku, quantity: Quantity, unitPriceCents: Cents });
export type PricedLine = z.infer<typeof PricedLine>;

export const MAX_ORDER_LINES = 100;

export const DISTINCT_SKUS = 'each sku at most once per order';
export const hasDistinctSkus = (lines: readonly { sku: string }[]): boolean =>
  new Set(lines.map((line) => line.sku)).size === lines.length;

const orderLines = <L extends z.ZodType<{ sku: string }>>(line: L) =>
  z.array(line).min(1).max(MAX_ORDER_LINES).refine(hasDistinctSkus, DISTINCT_SKUS);

export const PlaceOrder = command('PlaceOrder', {
  orderId: OrderId,
  customerId: CustomerId,
  currency: Currency,
  lines: orderLines(PricedLine),
});

/** PlaceOrder as a client asks for it: no prices (the command handler takes them from the catalog), id optional. */
export const OrderRequest = z.strictObject({
  orderId: OrderId.optional(),
  customerId: CustomerId,
  lines: orderLines(z.strictObject({ sku: Sku, quantity: Quantity })),
});
export type OrderRequest = z.infer<typeof OrderRequest>;

/** Issued by the fulfilment saga for each reservation that matches a line of the order (sku and quantity). */
export const MarkLineReserved = command('MarkLineReserved', { orderId: OrderId, sku: Sku, quantity: Quantity });
export const ConfirmOrder = command('ConfirmOrder', { orderId: OrderId });
export const RejectOrder = command('RejectOrder', { orderId: OrderId, reason: Text(500), sku: Sku.optional() });
export const PayOrder = command('PayOrder', { orderId: OrderId, amountCents: Cents });
export const ShipOrder = command('ShipOrder', {
  orderId: OrderId,
  carrier: Text(100),
  trackingNumber: Text(100),
});
export const DeliverOrder = command('DeliverOrder', { orderId: OrderId });
export const CancelOrder = command('CancelOrder', { orderId: OrderId, reason: Text(500) });

export type PlaceOrder = z.infer<typeof PlaceOrder>;
export type MarkLineReserved = z.infer<typeof MarkLineReserved>;
export type ConfirmOrder = z.infer<typeof ConfirmOrder>;
export type RejectOrder = z.infer<typeof RejectOrder>;
export type PayOrder = z.infer<typeof PayOrder>;
export type ShipOrder = z.infer<typeof ShipOrder>;
export type DeliverOrder = z.infer<typeof DeliverOrder>;
export type CancelOrder = z.infer<typeof CancelOrder>;

export const OrderCommand = z.discriminatedUnion('type', [
  PlaceOrder,
  MarkLineReserved,
  ConfirmOrder,
  RejectOrder,
  PayOrder,
  ShipOrder,
  DeliverOrder,
  CancelOrder,
]);
export type OrderCommand = z.infer<typeof OrderCommand>;
