import { z } from 'zod';
import { CustomerId } from '../../domain/ids.js';
import { Currency } from '../../domain/money.js';
import { entityCacheKey } from '../cache-keys.js';

// What GET /customers/:id/summary answers, and what the cache holds. The schemas are the API description's; the types
// are inferred from them.

const count = (description: string) => z.int().min(0).meta({ description });

export const PaidRevenueView = z
  .object({ currency: Currency, amountCents: z.int().min(0) })
  .meta({ id: 'PaidRevenueView' });
export type PaidRevenueView = z.infer<typeof PaidRevenueView>;

export const CustomerSummaryView = z
  .object({
    customerId: CustomerId,
    ordersPlaced: count('Orders placed.'),
    ordersConfirmed: count('Orders the saga confirmed, whatever came after (paid, shipped, cancelled).'),
    ordersCancelled: count('Orders cancelled.'),
    paidRevenue: z.array(PaidRevenueView).meta({
      description:
        'Per currency, never added across: payments of orders not cancelled since (a cancelled payment is refunded).',
    }),
    lastOrderAt: z.iso.datetime(),
    revision: count(
      "How many events of the customer's orders the summary holds: it only grows, so cache writes are ordered by it.",
    ),
  })
  .meta({ id: 'CustomerSummaryView', description: "A customer's orders and payments, summed up." });
export type CustomerSummaryView = z.infer<typeof CustomerSummaryView>;

export const customerSummaryCacheKey = entityCacheKey('customer');
