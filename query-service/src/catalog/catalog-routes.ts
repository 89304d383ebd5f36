import { Sku } from '@order-engine/shared';
import { productCacheKey, productReads, type ProductReads } from '@order-engine/shared/read-models/catalog';
import { Router } from 'express';
import { entityRoute } from '../consistency/entity-route.js';
import type { ReadYourWrites } from '../consistency/read-your-writes.js';
import { waitForRequestedPosition } from '../consistency/read-position-headers.js';
import { toPage } from '../input/cursor.js';
import { ListProductsQuery, productReadApi } from './catalog-api.js';

export const productRoute = entityRoute({
  path: '/products/:sku',
  id: Sku,
  projection: 'catalog',
  cacheKey: productCacheKey,
  load: (db, schema, sku) => productReads(db, schema).bySku(sku),
  api: productReadApi,
});

export interface CatalogRoutesOptions {
  /** The catalog's live schema, resolved per request: a rebuild's switch is followed without a restart. */
  schema: () => Promise<string>;
  products: (schema: string) => ProductReads;
  readYourWrites: ReadYourWrites;
}

export function catalogRoutes({ schema, products, readYourWrites }: CatalogRoutesOptions): Router {
  const router = Router();

  // The schema is resolved after waiting for the request's position: the waiter follows a switch by itself, and waits
  // again when the live version changed during the wait, so the version resolved next has reached the position too.
  router.get('/products', async (req, res) => {
    const { limit, cursor, ...filter } = ListProductsQuery.parse(req.query);
    await waitForRequestedPosition(req, res, readYourWrites, 'catalog');
    // One row more than asked says whether a next page exists.
    const rows = await products(await schema()).list({ ...filter, afterSku: cursor?.sku, limit: limit + 1 });
    res.json(
      toPage(
        rows,
        limit,
        (product) => product,
        (product) => ({ sku: product.sku }),
      ),
    );
  });

  return router;
}
