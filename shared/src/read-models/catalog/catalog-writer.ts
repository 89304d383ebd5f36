import { PRODUCT_STREAM_PREFIX } from '../../domain/streams.js';
import type { Row, SqlExecutor } from '../../sql/sql.js';
import { catalogTables } from './catalog-tables.js';
import { productCacheKey } from './catalog-view.js';
import { productColumns, productViewFromRow } from './catalog-codec.js';
import { foldRows, isoText, keysOf, projectionSchema, type Projection } from '../projection.js';
import { isProductEvent, productView, projectProduct, type ProductDomainEvent, type ProductRow } from './catalog.js';

// One query loads every product a batch touches, the fold runs in memory, one multi-row upsert writes the changes.

const version = 1;

const productKey = (event: ProductDomainEvent): string => event.data.sku;

const selectProducts = (schema: string): string => `
  select ${productColumns}, position::text as position, ${isoText('updated_at')} as updated_at
  from ${schema}.products where sku in (select jsonb_array_elements_text($1::jsonb))`;

// The revision guard is repeated in SQL so two workers racing on the same rows can never move one backwards.
const upsertProducts = (schema: string): string => `
  insert into ${schema}.products (sku, name, category, price_cents, currency, on_hand, reserved, held, available,
    status, revision, position, updated_at)
  select * from jsonb_to_recordset($1::jsonb) as r(sku text, name text, category text, price_cents bigint,
    currency text,
    on_hand bigint, reserved bigint, held bigint, available bigint, status text, revision integer, position bigint,
      updated_at timestamptz)
  on conflict (sku) do update set name = excluded.name, category = excluded.category,
    price_cents = excluded.price_cents,
    currency = excluded.currency, on_hand = excluded.on_hand, reserved = excluded.reserved, held = excluded.held,
      available = excluded.available,
    status = excluded.status, revision = excluded.revision, position = excluded.position,
      updated_at = excluded.updated_at
  where products.revision < excluded.revision`;

const productFromRow = (row: Row): ProductRow => ({
  ...productViewFromRow(row),
  position: BigInt(row.position as string),
  updatedAt: row.updated_at as string,
});

const toRecord = (row: ProductRow) => ({
  sku: row.sku,
  name: row.name,
  category: row.category,
  price_cents: row.priceCents,
  currency: row.currency,
  on_hand: row.onHand,
  reserved: row.reserved,
  held: row.held,
  available: row.available,
  status: row.status,
  revision: row.revision,
  position: row.position.toString(),
  updated_at: row.updatedAt,
});

/** The rows of the products these events feed, as they are now (one query). */
const loadProducts = async (
  db: SqlExecutor,
  schema: string,
  events: readonly ProductDomainEvent[],
): Promise<ProductRow[]> =>
  (await db.query(selectProducts(schema), [JSON.stringify(keysOf(events, productKey))], { prepare: true })).map(
    productFromRow,
  );

const cacheWrite = (schema: string) => (row: ProductRow) => ({
  key: productCacheKey.of(schema, row.sku),
  entry: { version: row.revision, value: productView(row), position: row.position },
});

export const catalogProjection: Projection<'catalog', 'product'> = {
  name: 'catalog',
  cacheKey: productCacheKey,
  version,
  streamPrefix: PRODUCT_STREAM_PREFIX,
  schema: (prefix, at = version) => projectionSchema(prefix, 'catalog', at),
  tables: [{ name: 'products', key: ['sku'], position: 'position' }],
  migrate: (sql, schema) => sql.exec(catalogTables(schema)),
  async apply(tx: SqlExecutor, schema, events) {
    const productEvents = events.filter(isProductEvent);
    if (productEvents.length === 0) return [];
    const loaded = new Map((await loadProducts(tx, schema, productEvents)).map((row) => [row.sku, row]));
    const changed = [...foldRows(loaded, productEvents, productKey, projectProduct).values()];
    if (changed.length === 0) return [];
    await tx.query(upsertProducts(schema), [JSON.stringify(changed.map(toRecord))], { prepare: true });
    return changed.map(cacheWrite(schema));
  },
  async cached(db, schema, events) {
    const productEvents = events.filter(isProductEvent);
    return productEvents.length === 0 ? [] : (await loadProducts(db, schema, productEvents)).map(cacheWrite(schema));
  },
  async forget(tx, schema, events) {
    const keys = keysOf(events.filter(isProductEvent), productKey);
    if (keys.length > 0)
      await tx.query(`delete from ${schema}.products where sku in (select jsonb_array_elements_text($1::jsonb))`, [
        JSON.stringify(keys),
      ]);
  },
};
