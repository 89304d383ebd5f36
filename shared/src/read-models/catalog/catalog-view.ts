import { z } from 'zod';
import { Sku } from '../../domain/ids.js';
import { Cents, Currency } from '../../domain/money.js';
import { entityCacheKey } from '../cache-keys.js';

// What the query API answers for a product, and what the cache holds (version = the stream revision applied). The
// schema is the API description's; the type is inferred from it.

export const ProductStatus = z.enum(['active', 'discontinued']);
export type ProductStatus = z.infer<typeof ProductStatus>;

const stock = (description: string) => z.int().min(0).meta({ description });

export const ProductView = z
  .object({
    sku: Sku,
    name: z.string(),
    category: z.string(),
    priceCents: Cents,
    currency: Currency,
    onHand: stock('Units in stock.'),
    reserved: stock('Reserved for orders.'),
    held: stock('Held by operators (stock holds).'),
    available: stock('on hand − reserved − held: what orders and holds can still take.'),
    status: ProductStatus,
    revision: z.int().min(0).meta({ description: "The revision of the product's stream the view reflects." }),
  })
  .meta({ id: 'ProductView', description: 'A product of the catalog, with its stock.' });
export type ProductView = z.infer<typeof ProductView>;

export const productCacheKey = entityCacheKey('product');
