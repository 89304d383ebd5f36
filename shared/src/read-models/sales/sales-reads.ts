import type { SqlExecutor } from '../../sql/sql.js';
import { salesDayColumns, salesDayViewFromRow } from './sales-codec.js';
import type { SalesDayView, SalesReport, SalesTotal } from './sales-view.js';

// The query side of sales: units and revenue per UTC day, sku and currency, from paid orders.

/** UTC days, both ends included. */
export interface SalesRange {
  from: string;
  to: string;
  sku?: string;
}

export interface SalesReads {
  report(range: SalesRange): Promise<SalesReport>;
}

// Totals are summed from the same rows the answer lists, so they always agree with its days.
export function totalsOf(days: readonly SalesDayView[]): SalesTotal[] {
  const byCurrency = new Map<string, SalesTotal>();
  for (const day of days) {
    const total = byCurrency.get(day.currency) ?? { currency: day.currency, units: 0, revenueCents: 0 };
    total.units += day.units;
    total.revenueCents += day.revenueCents;
    byCurrency.set(day.currency, total);
  }
  return [...byCurrency.values()].sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}

export function salesReads(db: SqlExecutor, salesSchema: string): SalesReads {
  return {
    async report({ from, to, sku }) {
      const params: unknown[] = [from, to];
      const skuFilter = sku === undefined ? '' : `and sku = $${params.push(sku)}`;
      const rows = await db.query(
        `select ${salesDayColumns} from ${salesSchema}.sales_daily
         where day between $1::date and $2::date ${skuFilter}
         order by day, sku, currency`,
        params,
      );
      const days = rows.map(salesDayViewFromRow);
      return { from, to, days, totals: totalsOf(days) };
    },
  };
}
