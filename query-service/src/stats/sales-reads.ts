import type { SalesDayView, SqlExecutor } from '@order-engine/shared';
import type { SalesRange } from './sales-query.js';

// The sales read model: units and revenue per UTC day, sku and currency, from paid orders.

type SalesDayRow = {
  day_text: string;
  sku: string;
  currency: string;
  units: string;
  revenue_cents: string;
};

export interface SalesTotal {
  currency: string;
  units: number;
  revenueCents: number;
}

export interface SalesReport {
  from: string;
  to: string;
  days: SalesDayView[];
  /** Per currency: amounts in different currencies are never added up. */
  totals: SalesTotal[];
}

export interface SalesReads {
  report(range: SalesRange): Promise<SalesReport>;
}

// Days leave PostgreSQL as text: pg would parse a date into a Date at local midnight, shifting it in other zones.
// The alias differs from the column, so ORDER BY day sorts dates, not their text.
const columns =
  `to_char(day, 'YYYY-MM-DD') as day_text, sku, currency, units::text as units, revenue_cents::text ` +
  `as revenue_cents`;

const toView = (row: SalesDayRow): SalesDayView => ({
  day: row.day_text,
  sku: row.sku,
  currency: row.currency,
  units: Number(row.units),
  revenueCents: Number(row.revenue_cents),
});

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
      const rows = await db.query<SalesDayRow>(
        `select ${columns} from ${salesSchema}.sales_daily
         where day between $1::date and $2::date ${skuFilter}
         order by day, sku, currency`,
        params,
      );
      const days = rows.map(toView);
      return { from, to, days, totals: totalsOf(days) };
    },
  };
}
