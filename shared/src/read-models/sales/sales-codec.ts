import type { Row } from '../../sql/sql.js';
import type { SalesDayView } from './sales-view.js';

// The sales_daily row ↔ view codec. Days leave PostgreSQL as text: pg would parse a date into a Date at local
// midnight, shifting it in other zones. The alias differs from the column, so ORDER BY day sorts dates, not text.
export const salesDayColumns = `to_char(day, 'YYYY-MM-DD') as day_text, sku, currency, units::text as units,
  revenue_cents::text as revenue_cents`;

export const salesDayViewFromRow = (row: Row): SalesDayView => ({
  day: row.day_text as string,
  sku: row.sku as string,
  currency: row.currency as string,
  units: Number(row.units),
  revenueCents: Number(row.revenue_cents),
});
