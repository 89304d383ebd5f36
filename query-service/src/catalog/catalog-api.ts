import { Sku, type ApiOperation } from '@order-engine/shared';
import { ProductView } from '@order-engine/shared/read-models/catalog';
import { z } from 'zod';
import { readModelUnavailable, type EntityApi } from '../consistency/entity-route-api.js';
import { ReadHeaders } from '../consistency/read-position-api.js';
import { pageCursor, pageOf } from '../input/cursor.js';
import { booleanParam, limitParam, textParam } from '../input/params.js';

// The catalog's query routes: what they parse and what they answer.

const ProductCursor = z.object({ sku: Sku });

export const ListProductsQuery = z.object({
  category: textParam.optional().meta({ description: 'Only products of this category (exact).' }),
  q: textParam.optional().meta({ description: 'Only products whose name or sku contains this, ignoring case.' }),
  inStock: booleanParam.optional().meta({ description: 'true: only products with stock available; false: without.' }),
  limit: limitParam,
  cursor: pageCursor(ProductCursor),
});

const tag = 'catalog';

/** GET /products/:sku, an entity read (entity-routes.ts). */
export const productReadApi: EntityApi = {
  operationId: 'getProduct',
  summary: 'A product, with its stock',
  tag,
  view: ProductView,
  notFound: 'No such product.',
};

export const catalogApi: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/products',
    operationId: 'listProducts',
    summary: 'Products, by sku, a page at a time',
    description: 'Filters combine (all must hold). With X-Min-Position the answer waits (bounded) for that position.',
    tag,
    query: ListProductsQuery,
    headers: ReadHeaders,
    answers: { 200: { description: 'A page of products.', body: pageOf(ProductView, 'ProductPage') } },
    refusals: {
      400:
        'A malformed filter or limit, a cursor this route did not issue (start again without one), or an ' +
        'X-Min-Position that is not a position.',
      503: readModelUnavailable,
    },
  },
];
