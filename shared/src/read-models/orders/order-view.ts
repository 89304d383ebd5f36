import { z } from 'zod';
import { CustomerId, OrderId, Sku } from '../../domain/ids.js';
import { Cents, Currency } from '../../domain/money.js';
import { OrderStatus } from '../../domain/order/order.js';
import { entityCacheKey } from '../cache-keys.js';

// What the query API answers for an order, and what the cache holds (version = the stream revision applied). The
// schemas are the API description's; the types are inferred from them.

export const OrderLineView = z
  .object({
    sku: Sku,
    quantity: z.int().min(1),
    unitPriceCents: Cents,
    lineTotalCents: z.int().min(0).meta({ description: 'quantity × unitPriceCents' }),
  })
  .meta({ id: 'OrderLineView' });
export type OrderLineView = z.infer<typeof OrderLineView>;

export const OrderHistoryEntry = z
  .object({
    status: OrderStatus,
    at: z.iso.datetime(),
    reason: z.string().optional().meta({ description: 'Why the order was rejected or cancelled.' }),
  })
  .meta({ id: 'OrderHistoryEntry', description: 'A move of the order to a status.' });
export type OrderHistoryEntry = z.infer<typeof OrderHistoryEntry>;

export const OrderView = z
  .object({
    orderId: OrderId,
    customerId: CustomerId,
    status: OrderStatus,
    lines: z.array(OrderLineView),
    totalCents: Cents,
    currency: Currency,
    placedAt: z.iso.datetime(),
    shipment: z
      .object({ carrier: z.string(), trackingNumber: z.string() })
      .optional()
      .meta({ description: 'Once shipped.' }),
    history: z.array(OrderHistoryEntry).meta({ description: 'Every status the order had, oldest first.' }),
    revision: z.int().min(0).meta({ description: "The revision of the order's stream the view reflects." }),
  })
  .meta({ id: 'OrderView', description: 'An order with its lines and status timeline.' });
export type OrderView = z.infer<typeof OrderView>;

export const orderCacheKey = entityCacheKey('order');
