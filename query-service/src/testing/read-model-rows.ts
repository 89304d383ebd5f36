import { adminTables, readModels, type ReadModelSchemas, type SqlExecutor } from '@order-engine/shared';
import type { ProductView } from '@order-engine/shared/read-models/catalog';
import type { OrderView } from '@order-engine/shared/read-models/orders';
import type { SalesDayView } from '@order-engine/shared/read-models/sales';

// Tests write read-model rows directly, the way the projection service would, so query tests need no projection.

export async function createReadModelTables(db: SqlExecutor, schemas: ReadModelSchemas): Promise<void> {
  await db.exec(adminTables(schemas.admin));
  for (const model of readModels) await model.migrate(db, schemas[model.name]);
}

export async function dropReadModelSchemas(db: SqlExecutor, schemas: ReadModelSchemas): Promise<void> {
  await db.exec(
    Object.values(schemas)
      .map((schema) => `drop schema if exists ${schema} cascade;`)
      .join('\n'),
  );
}

export const aProduct = (overrides: Partial<ProductView> = {}): ProductView => {
  const view: ProductView = {
    sku: 'SKU-1',
    name: 'Widget',
    category: 'tools',
    priceCents: 1_250,
    currency: 'EUR',
    onHand: 10,
    reserved: 2,
    held: 0,
    available: 8,
    status: 'active',
    revision: 3,
    ...overrides,
  };
  return { ...view, available: overrides.available ?? view.onHand - view.reserved - view.held };
};

export async function insertProduct(
  db: SqlExecutor,
  catalogSchema: string,
  product: ProductView,
  position = 1n,
): Promise<void> {
  await db.query(
    `insert into ${catalogSchema}.products (sku, name, category, price_cents, currency, on_hand, reserved, held,
      available, status, revision, position, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
     on conflict (sku) do update set name = excluded.name, category = excluded.category,
       price_cents = excluded.price_cents,
       currency = excluded.currency, on_hand = excluded.on_hand, reserved = excluded.reserved, held = excluded.held,
         available = excluded.available,
       status = excluded.status, revision = excluded.revision, position = excluded.position, updated_at = now()`,
    [
      product.sku,
      product.name,
      product.category,
      String(product.priceCents),
      product.currency,
      product.onHand,
      product.reserved,
      product.held,
      product.available,
      product.status,
      product.revision,
      position.toString(),
    ],
  );
}

export const anOrder = (overrides: Partial<OrderView> = {}): OrderView => ({
  orderId: 'ORD-1',
  customerId: 'CUST-1',
  status: 'placed',
  lines: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 1_250, lineTotalCents: 2_500 }],
  totalCents: 2_500,
  currency: 'EUR',
  placedAt: '2026-01-15T10:00:00.000Z',
  history: [{ status: 'placed', at: '2026-01-15T10:00:00.000Z' }],
  revision: 0,
  ...overrides,
});

// Stored as the projection stores it: the shipment rides on the timeline's `shipped` entry.
const storedHistory = (order: OrderView) =>
  order.history.map((entry) =>
    entry.status === 'shipped' && order.shipment ? { ...entry, ...order.shipment } : entry,
  );

/** placedAt may carry microseconds ("...00.123456Z"), which a JavaScript Date cannot. */
export async function insertOrder(
  db: SqlExecutor,
  ordersSchema: string,
  order: OrderView,
  position = 1n,
): Promise<void> {
  await db.query(
    `insert into ${ordersSchema}.orders (order_id, customer_id, status, lines, total_cents, currency, placed_at,
      history, revision, position, updated_at)
     values ($1, $2, $3, $4::jsonb, $5, $6, $7::timestamptz, $8::jsonb, $9, $10, now())
     on conflict (order_id) do update set status = excluded.status, lines = excluded.lines,
       total_cents = excluded.total_cents,
       history = excluded.history, revision = excluded.revision, position = excluded.position, updated_at = now()`,
    [
      order.orderId,
      order.customerId,
      order.status,
      JSON.stringify(order.lines),
      String(order.totalCents),
      order.currency,
      order.placedAt,
      JSON.stringify(storedHistory(order)),
      order.revision,
      position.toString(),
    ],
  );
}

export async function insertSalesDay(db: SqlExecutor, salesSchema: string, day: SalesDayView): Promise<void> {
  await db.query(
    `insert into ${salesSchema}.sales_daily (day, sku, currency, units, revenue_cents) values ($1::date, $2, $3, ` +
      `$4, $5)`,
    [day.day, day.sku, day.currency, String(day.units), String(day.revenueCents)],
  );
}

export async function setCheckpoint(
  db: SqlExecutor,
  adminSchema: string,
  projection: string,
  position: bigint,
): Promise<void> {
  await db.query(
    `insert into ${adminSchema}.checkpoints (projection, position, updated_at) values ($1, $2, now())
     on conflict (projection) do update set position = excluded.position, updated_at = now()`,
    [projection, position.toString()],
  );
}
