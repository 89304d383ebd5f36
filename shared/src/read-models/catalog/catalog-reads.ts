import type { SqlExecutor } from '../../sql/sql.js';
import { productColumns, productViewFromRow } from './catalog-codec.js';
import type { ProductView } from './catalog-view.js';

// The query side of the catalog: one query per read, rows mapped to the API's ProductView.

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

export function productReads(db: SqlExecutor, catalogSchema: string): ProductReads {
  return {
    async bySku(sku) {
      const rows = await db.query(`select ${productColumns} from ${catalogSchema}.products where sku = $1`, [sku], {
        prepare: true,
      });
      return rows[0] && productViewFromRow(rows[0]);
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
      const sql =
        `select ${productColumns} from ${catalogSchema}.products ` +
        `${where.length ? `where ${where.join(' and ')}` : ''} order by sku limit ${param(limit)}`;
      return (await db.query(sql, params)).map(productViewFromRow);
    },
  };
}
