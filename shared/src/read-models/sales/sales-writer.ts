import { ORDER_STREAM_PREFIX } from '../../domain/streams.js';
import type { OrderLine } from '../../domain/index.js';
import type { Row, SqlExecutor } from '../../sql/sql.js';
import { salesTables } from './sales-tables.js';
import type { SalesDayView } from './sales-view.js';
import { isOrderEvent, type OrderDomainEvent } from '../orders/orders.js';
import { foldRows, keysOf, projectionSchema, type Projection } from '../projection.js';
import { projectSalesOrder, salesDeltas, type SalesOrderRow } from './sales.js';

const version = 1;

const orderKey = (event: OrderDomainEvent): string => event.data.orderId;

const selectSalesOrders = (schema: string): string => `
  select order_id, lines, currency, paid_day::text as paid_day, revision
  from ${schema}.sales_orders where order_id in (select jsonb_array_elements_text($1::jsonb))`;

const upsertSalesOrders = (schema: string): string => `
  insert into ${schema}.sales_orders (order_id, lines, currency, paid_day, revision)
  select * from jsonb_to_recordset($1::jsonb) as r(order_id text, lines jsonb, currency text, paid_day date,
    revision integer)
  on conflict (order_id) do update set lines = excluded.lines, currency = excluded.currency,
    paid_day = excluded.paid_day,
    revision = excluded.revision
  where sales_orders.revision < excluded.revision`;

// Adds deltas, not totals: the sales_orders rows in the same transaction are what keeps each event counted once.
const addToSalesDaily = (schema: string): string => `
  insert into ${schema}.sales_daily (day, sku, currency, units, revenue_cents)
  select * from jsonb_to_recordset($1::jsonb) as r(day date, sku text, currency text, units bigint,
    revenue_cents bigint)
  on conflict (day, sku, currency) do update set units = sales_daily.units + excluded.units,
    revenue_cents = sales_daily.revenue_cents + excluded.revenue_cents`;

const dropEmptyDays = (schema: string): string => `
  delete from ${schema}.sales_daily d using jsonb_to_recordset($1::jsonb) as r(day date, sku text, currency text)
  where d.day = r.day and d.sku = r.sku and d.currency = r.currency and d.units = 0 and d.revenue_cents = 0`;

const salesOrderFromRow = (row: Row): SalesOrderRow => ({
  orderId: row.order_id as string,
  lines: row.lines as OrderLine[],
  currency: row.currency as string,
  paidDay: (row.paid_day as string | null) ?? null,
  revision: Number(row.revision),
});

const toRecord = (row: SalesOrderRow) => ({
  order_id: row.orderId,
  lines: row.lines,
  currency: row.currency,
  paid_day: row.paidDay,
  revision: row.revision,
});

export const salesProjection: Projection<'sales', never> = {
  name: 'sales',
  version,
  streamPrefix: ORDER_STREAM_PREFIX,
  schema: (prefix, at = version) => projectionSchema(prefix, 'sales', at),
  tables: [
    { name: 'sales_orders', key: ['order_id'] },
    { name: 'sales_daily', key: ['day', 'sku', 'currency'] },
  ],
  migrate: (sql, schema) => sql.exec(salesTables(schema)),
  async apply(tx: SqlExecutor, schema, events) {
    const orderEvents = events.filter(isOrderEvent);
    if (orderEvents.length === 0) return [];
    const rows = await tx.query(selectSalesOrders(schema), [JSON.stringify(keysOf(orderEvents, orderKey))], {
      prepare: true,
    });
    const loaded = new Map(rows.map((row) => [row.order_id as string, salesOrderFromRow(row)]));
    const changed = foldRows(loaded, orderEvents, orderKey, projectSalesOrder);
    if (changed.size === 0) return [];
    await tx.query(upsertSalesOrders(schema), [JSON.stringify([...changed.values()].map(toRecord))], { prepare: true });
    await addDeltas(
      tx,
      schema,
      salesDeltas([...changed].map(([orderId, after]) => ({ before: loaded.get(orderId), after }))),
    );
    // Nothing of sales is cached: /stats/sales reads ranges, not single keys.
    return [];
  },
  cached: async () => [],
  async forget(tx, schema, events) {
    const keys = keysOf(events.filter(isOrderEvent), orderKey);
    if (keys.length === 0) return;
    const rows = (await tx.query(selectSalesOrders(schema), [JSON.stringify(keys)])).map(salesOrderFromRow);
    // The orders stop counting wherever they counted: the day totals lose exactly their share.
    await addDeltas(tx, schema, salesDeltas(rows.map((before) => ({ before, after: { ...before, paidDay: null } }))));
    await tx.query(
      `delete from ${schema}.sales_orders where order_id in (select jsonb_array_elements_text($1::jsonb))`,
      [JSON.stringify(keys)],
    );
  },
};

async function addDeltas(tx: SqlExecutor, schema: string, deltas: readonly SalesDayView[]): Promise<void> {
  if (deltas.length === 0) return;
  const records = JSON.stringify(
    deltas.map((d) => ({
      day: d.day,
      sku: d.sku,
      currency: d.currency,
      units: d.units,
      revenue_cents: d.revenueCents,
    })),
  );
  await tx.query(addToSalesDaily(schema), [records], { prepare: true });
  // A day that nets out to nothing (paid, then refunded) has no row, however the events were batched: a rebuild that
  // folds the payment and the refund in one page must give the very rows of a worker that saw them one by one.
  await tx.query(dropEmptyDays(schema), [records], { prepare: true });
}
