import { cacheKeys, NotFound, Sku } from '@order-engine/shared';
import { Router } from 'express';
import { z } from 'zod';
import { JSON_CONTENT_TYPE } from '../consistency/cache-aside.js';
import type { ReadEntity } from '../consistency/entity-read.js';
import type { ReadYourWrites } from '../consistency/read-your-writes.js';
import { minPositionOf, setReadPosition, waitForRequestedPosition } from '../consistency/read-position-headers.js';
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
  /** The catalog's live schema, resolved per request: a rebuild's switch is followed without a restart. */
  schema: () => Promise<string>;
  products: (schema: string) => ProductReads;
  readEntity: ReadEntity;
  readYourWrites: ReadYourWrites;
}

export function catalogRoutes({ schema, products, readEntity, readYourWrites }: CatalogRoutesOptions): Router {
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

  router.get('/products/:sku', async (req, res) => {
    const { sku } = ProductParams.parse(req.params);
    const { json, cache, readPosition } = await readEntity(minPositionOf(req), {
      projection: 'catalog',
      schema,
      key: (live) => cacheKeys.product(live, sku),
      load: (live) => products(live).bySku(sku),
    });
    if (readPosition) setReadPosition(res, readPosition);
    res.setHeader('X-Cache', cache);
    if (json === undefined) throw new NotFound('product', sku);
    res.setHeader('Content-Type', JSON_CONTENT_TYPE).send(json);
  });

  return router;
}
