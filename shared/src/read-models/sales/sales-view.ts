import { z } from 'zod';
import { Sku } from '../../domain/ids.js';
import { Currency } from '../../domain/money.js';

// What /stats/sales answers; nothing of sales is cached (it reads ranges, not single keys). The schemas are the API
// description's; the types are inferred from them.

export const SalesDayView = z
  .object({
    day: z.iso.date(),
    sku: Sku,
    currency: Currency,
    units: z.int().min(0),
    revenueCents: z.int().min(0),
  })
  .meta({ id: 'SalesDayView', description: 'Units and revenue of one sku paid for on one UTC day, in one currency.' });
export type SalesDayView = z.infer<typeof SalesDayView>;

export const SalesTotal = z
  .object({ currency: Currency, units: z.int().min(0), revenueCents: z.int().min(0) })
  .meta({ id: 'SalesTotal' });
export type SalesTotal = z.infer<typeof SalesTotal>;

export const SalesReport = z
  .object({
    from: z.iso.date(),
    to: z.iso.date(),
    days: z.array(SalesDayView).meta({ description: 'Ordered by day, sku and currency.' }),
    totals: z
      .array(SalesTotal)
      .meta({ description: 'Per currency, of the days listed: amounts in different currencies are never added up.' }),
  })
  .meta({ id: 'SalesReport', description: 'Sales per UTC day, both ends included.' });
export type SalesReport = z.infer<typeof SalesReport>;
