import { ORDER_STREAM_PREFIX } from '../../domain/streams.js';
import type { Row, SqlExecutor } from '../../sql/sql.js';
import { isOrderEvent, type OrderDomainEvent } from '../orders/orders.js';
import { foldRows, isoText, keysOf, type CacheWrite, projectionSchema, type Projection } from '../projection.js';
import { customerSummaryFromRow, selectCustomerSummaries } from './customer-codec.js';
import { customerTables } from './customer-tables.js';
import { customerSummaryCacheKey } from './customer-view.js';
import { customerDeltas, projectCustomerOrder, type CustomerDelta, type CustomerOrderRow } from './customers.js';

const version = 1;

const orderKey = (event: OrderDomainEvent): string => event.data.orderId;

const selectCustomerOrders = (schema: string): string => `
  select order_id, customer_id, currency, ${isoText('placed_at')} as placed_at, confirmed, cancelled,
    paid_cents::text as paid_cents, revision
  from ${schema}.customer_orders where order_id in (select jsonb_array_elements_text($1::jsonb))`;

const upsertCustomerOrders = (schema: string): string => `
  insert into ${schema}.customer_orders (order_id, customer_id, currency, placed_at, confirmed, cancelled, paid_cents,
    revision)
  select * from jsonb_to_recordset($1::jsonb) as r(order_id text, customer_id text, currency text,
    placed_at timestamptz, confirmed boolean, cancelled boolean, paid_cents bigint, revision integer)
  on conflict (order_id) do update set confirmed = excluded.confirmed, cancelled = excluded.cancelled,
    paid_cents = excluded.paid_cents, revision = excluded.revision
  where customer_orders.revision < excluded.revision`;

// Adds deltas, not totals, so workers on different partitions can feed one customer; rows are locked in customer
// order, and the summary before its revenue, so two such transactions wait for each other instead of deadlocking.
const addToSummaries = (schema: string): string => `
  insert into ${schema}.customer_summaries (customer_id, orders_placed, orders_confirmed, orders_cancelled,
    last_order_at, revision)
  select * from jsonb_to_recordset($1::jsonb) as r(customer_id text, orders_placed bigint, orders_confirmed bigint,
    orders_cancelled bigint, last_order_at timestamptz, revision bigint)
  order by customer_id
  on conflict (customer_id) do update set orders_placed = customer_summaries.orders_placed + excluded.orders_placed,
    orders_confirmed = customer_summaries.orders_confirmed + excluded.orders_confirmed,
    orders_cancelled = customer_summaries.orders_cancelled + excluded.orders_cancelled,
    last_order_at = greatest(customer_summaries.last_order_at, excluded.last_order_at),
    revision = customer_summaries.revision + excluded.revision`;

const addToRevenue = (schema: string): string => `
  insert into ${schema}.customer_revenue (customer_id, currency, paid_cents)
  select * from jsonb_to_recordset($1::jsonb) as r(customer_id text, currency text, paid_cents bigint)
  order by customer_id, currency
  on conflict (customer_id, currency) do update set paid_cents = customer_revenue.paid_cents + excluded.paid_cents`;

// A currency that nets out to nothing (paid, then cancelled) has no row, however the events were batched: a rebuild
// folding both in one page must give the very rows of a worker that saw them one by one.
const dropEmptyRevenue = (schema: string): string => `
  delete from ${schema}.customer_revenue r using jsonb_to_recordset($1::jsonb) as d(customer_id text, currency text)
  where r.customer_id = d.customer_id and r.currency = d.currency and r.paid_cents = 0`;

const customerOrderFromRow = (row: Row): CustomerOrderRow => ({
  orderId: row.order_id as string,
  customerId: row.customer_id as string,
  currency: row.currency as string,
  placedAt: row.placed_at as string,
  confirmed: row.confirmed as boolean,
  cancelled: row.cancelled as boolean,
  paidCents: Number(row.paid_cents),
  revision: Number(row.revision),
});

const toRecord = (row: CustomerOrderRow) => ({
  order_id: row.orderId,
  customer_id: row.customerId,
  currency: row.currency,
  placed_at: row.placedAt,
  confirmed: row.confirmed,
  cancelled: row.cancelled,
  paid_cents: row.paidCents,
  revision: row.revision,
});

const loadCustomerOrders = async (db: SqlExecutor, schema: string, orderIds: readonly string[]) =>
  (await db.query(selectCustomerOrders(schema), [JSON.stringify(orderIds)], { prepare: true })).map(
    customerOrderFromRow,
  );

async function addDeltas(tx: SqlExecutor, schema: string, deltas: readonly CustomerDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const summaries = deltas.map((d) => ({
    customer_id: d.customerId,
    orders_placed: d.placed,
    orders_confirmed: d.confirmed,
    orders_cancelled: d.cancelled,
    last_order_at: d.lastOrderAt,
    revision: d.events,
  }));
  await tx.query(addToSummaries(schema), [JSON.stringify(summaries)], { prepare: true });
  const revenue = deltas.flatMap((d) =>
    [...d.paidCents].map(([currency, cents]) => ({ customer_id: d.customerId, currency, paid_cents: cents })),
  );
  if (revenue.length === 0) return;
  await tx.query(addToRevenue(schema), [JSON.stringify(revenue)], { prepare: true });
  await tx.query(dropEmptyRevenue(schema), [JSON.stringify(revenue)], { prepare: true });
}

/** The summaries of these customers as they are now, as cache writes. */
async function summaryWrites(db: SqlExecutor, schema: string, where: string, keys: string[]): Promise<CacheWrite[]> {
  if (keys.length === 0) return [];
  const rows = await db.query(`${selectCustomerSummaries(schema)} where ${where}`, [JSON.stringify(keys)]);
  // No position: a summary gathers many streams, so one event's position says nothing of the others it holds.
  return rows.map(customerSummaryFromRow).map((view) => ({
    key: customerSummaryCacheKey.of(schema, view.customerId),
    entry: { version: view.revision, value: view },
  }));
}

const byCustomerIds = 's.customer_id in (select jsonb_array_elements_text($1::jsonb))';

export const customersProjection: Projection<'customers', 'customer'> = {
  name: 'customers',
  version,
  streamPrefix: ORDER_STREAM_PREFIX,
  cacheKey: customerSummaryCacheKey,
  schema: (prefix, at = version) => projectionSchema(prefix, 'customers', at),
  tables: [
    { name: 'customer_orders', key: ['order_id'] },
    { name: 'customer_summaries', key: ['customer_id'] },
    { name: 'customer_revenue', key: ['customer_id', 'currency'] },
  ],
  migrate: (sql, schema) => sql.exec(customerTables(schema)),
  async apply(tx: SqlExecutor, schema, events) {
    const orderEvents = events.filter(isOrderEvent);
    if (orderEvents.length === 0) return [];
    const rows = await loadCustomerOrders(tx, schema, keysOf(orderEvents, orderKey));
    const loaded = new Map(rows.map((row) => [row.orderId, row]));
    const changed = foldRows(loaded, orderEvents, orderKey, projectCustomerOrder);
    if (changed.size === 0) return [];
    await tx.query(upsertCustomerOrders(schema), [JSON.stringify([...changed.values()].map(toRecord))], {
      prepare: true,
    });
    const deltas = customerDeltas([...changed].map(([orderId, after]) => ({ before: loaded.get(orderId), after })));
    await addDeltas(tx, schema, deltas);
    return summaryWrites(
      tx,
      schema,
      byCustomerIds,
      deltas.map((d) => d.customerId),
    );
  },
  async cached(db, schema, events) {
    const where = `s.customer_id in (select customer_id from ${schema}.customer_orders
      where order_id in (select jsonb_array_elements_text($1::jsonb)))`;
    return summaryWrites(db, schema, where, keysOf(events.filter(isOrderEvent), orderKey));
  },
  async forget(tx, schema, events) {
    const rows = await loadCustomerOrders(tx, schema, keysOf(events.filter(isOrderEvent), orderKey));
    if (rows.length === 0) return;
    // The orders stop counting wherever they counted: the summaries lose exactly their share.
    await addDeltas(tx, schema, customerDeltas(rows.map((before) => ({ before, after: undefined }))));
    const orders = JSON.stringify(rows.map((row) => row.orderId));
    const customers = JSON.stringify([...new Set(rows.map((row) => row.customerId))]);
    await tx.query(
      `delete from ${schema}.customer_orders where order_id in (select jsonb_array_elements_text($1::jsonb))`,
      [orders],
    );
    await tx.query(`delete from ${schema}.customer_summaries s where ${byCustomerIds} and s.orders_placed = 0`, [
      customers,
    ]);
    await tx.query(
      `update ${schema}.customer_summaries s set last_order_at = (select max(o.placed_at)
         from ${schema}.customer_orders o where o.customer_id = s.customer_id) where ${byCustomerIds}`,
      [customers],
    );
  },
};
