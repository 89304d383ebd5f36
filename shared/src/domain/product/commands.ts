import { z } from 'zod';
import { Cents, Currency } from '../money.js';
import { HoldId, OrderId, Quantity, Sku } from '../ids.js';
import { Text } from '../text.js';

// One zod schema per command; the type is inferred from it. Strict: unknown fields are refused.
const command = <T extends string, D extends z.ZodRawShape>(type: T, data: D) =>
  z.strictObject({ type: z.literal(type), data: z.strictObject(data) });

export const RegisterProduct = command('RegisterProduct', {
  sku: Sku,
  name: Text(200),
  category: Text(100),
  priceCents: Cents,
  currency: Currency,
});
export const ChangePrice = command('ChangePrice', { sku: Sku, priceCents: Cents });
export const Restock = command('Restock', { sku: Sku, quantity: Quantity });
/** An operator's hold: stock kept off sale under its own id, apart from any order's reservation. */
export const PlaceHold = command('PlaceHold', { sku: Sku, holdId: HoldId, quantity: Quantity, reason: Text(500) });
export const ReleaseHold = command('ReleaseHold', { sku: Sku, holdId: HoldId });
/** The fulfilment saga's, keyed by order id; never a public endpoint. */
export const ReserveStock = command('ReserveStock', { sku: Sku, orderId: OrderId, quantity: Quantity });
export const ReleaseStock = command('ReleaseStock', { sku: Sku, orderId: OrderId });
/** Issued by the fulfilment saga when an order ships: the reservation leaves the shelf. */
export const ShipStock = command('ShipStock', { sku: Sku, orderId: OrderId });
export const DiscontinueProduct = command('DiscontinueProduct', { sku: Sku });

export type RegisterProduct = z.infer<typeof RegisterProduct>;
export type ChangePrice = z.infer<typeof ChangePrice>;
export type Restock = z.infer<typeof Restock>;
export type PlaceHold = z.infer<typeof PlaceHold>;
export type ReleaseHold = z.infer<typeof ReleaseHold>;
export type ReserveStock = z.infer<typeof ReserveStock>;
export type ReleaseStock = z.infer<typeof ReleaseStock>;
export type ShipStock = z.infer<typeof ShipStock>;
export type DiscontinueProduct = z.infer<typeof DiscontinueProduct>;

export const ProductCommand = z.discriminatedUnion('type', [
  RegisterProduct,
  ChangePrice,
  Restock,
  PlaceHold,
  ReleaseHold,
  ReserveStock,
  ReleaseStock,
  ShipStock,
  DiscontinueProduct,
]);
export type ProductCommand = z.infer<typeof ProductCommand>;
