import type { ProductStatus, ProductView, SqlExecutor } from '@order-engine/shared';

// The catalog read model in PostgreSQL: one query per read, rows mapped to the API's ProductView.

type ProductRow = {
  sku: string;
  name: string;
  category: string;
  price_cents: string;
  currency: string;
  on_hand: number;
  reserved: number;
  available: number;
  status: string;
  revision: number;
};

export interface ProductFilter {
  category?: string;
  /** Case-insensitive substring of the name or the sku. */
  q?: string;
  inStock?: boolean;
  /** Exclusive: only skus after this one. */
  afterSku?: string;
  limit: number;
}

export interface ProductReads {
  bySku(sku: string): Promise<ProductView | undefined>;
  /** Ordered by sku. */
  list(filter: ProductFilter): Promise<ProductView[]>;
}

// price_cents is int8: the drivers disagree on int8, so it travels as text (see shared/src/sql/sql.ts).
const columns = 'sku, name, category, price_cents::text as price_cents, currency, on_hand, reserved, available, status, revision';

const toView = (row: ProductRow): ProductView => ({
  sku: row.sku,
  name: row.name,
  category: row.category,
  priceCents: Number(row.price_cents),
  currency: row.currency,
  onHand: row.on_hand,
  reserved: row.reserved,
  available: row.available,
  status: row.status as ProductStatus,
  revision: row.revision,
});

export function productReads(db: SqlExecutor, catalogSchema: string): ProductReads {
  return {
    async bySku(sku) {
      const rows = await db.query<ProductRow>(`select ${columns} from ${catalogSchema}.products where sku = $1`, [sku], { prepare: true });
      return rows[0] && toView(rows[0]);
    },
    async list({ category, q, inStock, afterSku, limit }) {
      const where: string[] = [];
      const params: unknown[] = [];
      const param = (value: unknown) => `$${params.push(value)}`;
      if (category !== undefined) where.push(`category = ${param(category)}`);
      // strpos, not LIKE: a user's "%" or "_" is a character to find, not a wildcard. Both sides go through
      // PostgreSQL's lower(), so case folding follows one rule (the database's), not a mix with JavaScript's.
      if (q !== undefined) {
        const needle = `lower(${param(q)})`;
        where.push(`(strpos(lower(name), ${needle}) > 0 or strpos(lower(sku), ${needle}) > 0)`);
      }
      if (inStock !== undefined) where.push(inStock ? 'available > 0' : 'available <= 0');
      if (afterSku !== undefined) where.push(`sku > ${param(afterSku)}`);
      const sql = `select ${columns} from ${catalogSchema}.products ${where.length ? `where ${where.join(' and ')}` : ''} order by sku limit ${param(limit)}`;
      return (await db.query<ProductRow>(sql, params)).map(toView);
    },
  };
}
