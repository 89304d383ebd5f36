import { ORDER_STREAM_PREFIX } from '../../domain/streams.js';
import type { Row, SqlExecutor } from '../../sql/sql.js';
import { ordersTables } from './order-tables.js';
import { orderCacheKey } from './order-view.js';
import { orderColumns, orderViewFromRow, storedOrderHistory } from './order-codec.js';
import { foldRows, isoText, keysOf, projectionSchema, type Projection } from '../projection.js';
import { isOrderEvent, orderView, projectOrder, type OrderDomainEvent, type OrderRow } from './orders.js';

const version = 1;

const orderKey = (event: OrderDomainEvent): string => event.data.orderId;

const orderFromRow = (row: Row): OrderRow => ({
  ...orderViewFromRow(row),
  position: BigInt(row.position as string),
  updatedAt: row.updated_at as string,
});

const selectOrders = (schema: string): string => `
  select ${orderColumns}, position::text as position, ${isoText('updated_at')} as updated_at
  from ${schema}.orders where order_id in (select jsonb_array_elements_text($1::jsonb))`;

const upsertOrders = (schema: string): string => `
  insert into ${schema}.orders (order_id, customer_id, status, lines, total_cents, currency, placed_at, history,
    revision, position, updated_at)
  select * from jsonb_to_recordset($1::jsonb) as r(order_id text, customer_id text, status text, lines jsonb,
    total_cents bigint, currency text, placed_at timestamptz, history jsonb, revision integer, position bigint,
    updated_at timestamptz)
  on conflict (order_id) do update set customer_id = excluded.customer_id, status = excluded.status,
    lines = excluded.lines, total_cents = excluded.total_cents, currency = excluded.currency,
    placed_at = excluded.placed_at, history = excluded.history, revision = excluded.revision,
    position = excluded.position, updated_at = excluded.updated_at
  where orders.revision < excluded.revision`;

const toRecord = (row: OrderRow) => ({
  order_id: row.orderId,
  customer_id: row.customerId,
  status: row.status,
  lines: row.lines,
  total_cents: row.totalCents,
  currency: row.currency,
  placed_at: row.placedAt,
  history: storedOrderHistory(row),
  revision: row.revision,
  position: row.position.toString(),
  updated_at: row.updatedAt,
});

/** The rows of the orders these events feed, as they are now (one query). */
const loadOrders = async (db: SqlExecutor, schema: string, events: readonly OrderDomainEvent[]): Promise<OrderRow[]> =>
  (await db.query(selectOrders(schema), [JSON.stringify(keysOf(events, orderKey))], { prepare: true })).map(
    orderFromRow,
  );

const cacheWrite = (schema: string) => (row: OrderRow) => ({
  key: orderCacheKey.of(schema, row.orderId),
  entry: { version: row.revision, value: orderView(row), position: row.position },
});

export const ordersProjection: Projection<'orders', 'order'> = {
  name: 'orders',
  cacheKey: orderCacheKey,
  version,
  streamPrefix: ORDER_STREAM_PREFIX,
  schema: (prefix, at = version) => projectionSchema(prefix, 'orders', at),
  tables: [{ name: 'orders', key: ['order_id'], position: 'position' }],
  migrate: (sql, schema) => sql.exec(ordersTables(schema)),
  async apply(tx: SqlExecutor, schema, events) {
    const orderEvents = events.filter(isOrderEvent);
    if (orderEvents.length === 0) return [];
    const loaded = new Map((await loadOrders(tx, schema, orderEvents)).map((row) => [row.orderId, row]));
    const changed = [...foldRows(loaded, orderEvents, orderKey, projectOrder).values()];
    if (changed.length === 0) return [];
    await tx.query(upsertOrders(schema), [JSON.stringify(changed.map(toRecord))], { prepare: true });
    return changed.map(cacheWrite(schema));
  },
  async cached(db, schema, events) {
    const orderEvents = events.filter(isOrderEvent);
    return orderEvents.length === 0 ? [] : (await loadOrders(db, schema, orderEvents)).map(cacheWrite(schema));
  },
  async forget(tx, schema, events) {
    const keys = keysOf(events.filter(isOrderEvent), orderKey);
    if (keys.length > 0)
      await tx.query(`delete from ${schema}.orders where order_id in (select jsonb_array_elements_text($1::jsonb))`, [
        JSON.stringify(keys),
      ]);
  },
};
