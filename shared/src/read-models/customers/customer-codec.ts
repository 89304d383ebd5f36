import type { Row } from '../../sql/sql.js';
import { isoText, jsonColumn } from '../projection.js';
import type { CustomerSummaryView, PaidRevenueView } from './customer-view.js';

// The customer_summaries (+ customer_revenue) row ↔ view codec, once for the writer and the readers. bigint columns
// travel as text (the drivers disagree on int8) and become numbers here, exact up to 2^53.

/** The summaries with their revenue, one row each; callers add the where clause on `s`. */
export const selectCustomerSummaries = (schema: string): string => `
  select s.customer_id, s.orders_placed::text as orders_placed, s.orders_confirmed::text as orders_confirmed,
    s.orders_cancelled::text as orders_cancelled, ${isoText('s.last_order_at')} as last_order_at,
    s.revision::text as revision,
    (select coalesce(jsonb_agg(jsonb_build_object('currency', r.currency, 'amountCents', r.paid_cents::text)
       order by r.currency), '[]'::jsonb)
     from ${schema}.customer_revenue r where r.customer_id = s.customer_id) as paid_revenue
  from ${schema}.customer_summaries s`;

export const customerSummaryFromRow = (row: Row): CustomerSummaryView => ({
  customerId: row.customer_id as string,
  ordersPlaced: Number(row.orders_placed),
  ordersConfirmed: Number(row.orders_confirmed),
  ordersCancelled: Number(row.orders_cancelled),
  paidRevenue: jsonColumn<{ currency: string; amountCents: string }[]>(row.paid_revenue).map(
    ({ currency, amountCents }): PaidRevenueView => ({ currency, amountCents: Number(amountCents) }),
  ),
  lastOrderAt: row.last_order_at as string,
  revision: Number(row.revision),
});
