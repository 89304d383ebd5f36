import { cacheKeys, NotFound, Sku } from '@order-engine/shared';
import { Router } from 'express';
import { z } from 'zod';
import type { CacheAside } from '../consistency/cache-aside.js';
import type { ReadYourWrites } from '../consistency/read-your-writes.js';
import { cursorParam, toPage } from '../input/cursor.js';
import { booleanParam, limitParam, textParam } from '../input/params.js';
import type { ProductReads } from './product-reads.js';

const ProductCursor = z.object({ sku: Sku });

const ListProductsQuery = z.object({
  category: textParam.optional(),
  q: textParam.optional(),
  inStock: booleanParam.optional(),
  limit: limitParam,
  cursor: cursorParam(ProductCursor).optional(),
});

const ProductParams = z.object({ sku: Sku });

export interface CatalogRoutesOptions {
  products: ProductReads;
  cached: CacheAside;
  readYourWrites: ReadYourWrites;
  /** Checkpoint key of the catalog projection: its schema name. */
  projection: string;
}

export function catalogRoutes({ products, cached, readYourWrites, projection }: CatalogRoutesOptions): Router {
  const router = Router();

  router.get('/products', async (req, res) => {
    const { limit, cursor, ...filter } = ListProductsQuery.parse(req.query);
    await readYourWrites.settle(req, res, projection);
    // One row more than asked says whether a next page exists.
    const rows = await products.list({ ...filter, afterSku: cursor?.sku, limit: limit + 1 });
    res.json(toPage(rows, limit, (product) => product, (product) => ({ sku: product.sku })));
  });

  router.get('/products/:sku', async (req, res) => {
    const { sku } = ProductParams.parse(req.params);
    const bypass = await readYourWrites.settle(req, res, projection);
    const { value, cache } = await cached.read(cacheKeys.product(sku), () => products.bySku(sku), { bypass });
    res.setHeader('X-Cache', cache);
    if (!value) throw new NotFound('product', sku);
    res.json(value);
  });

  return router;
}
