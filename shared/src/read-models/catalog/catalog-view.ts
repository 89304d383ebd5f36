import { entityCacheKey } from '../cache-keys.js';

// What the query API answers for a product, and what the cache holds (version = the stream revision applied).

export type ProductStatus = 'active' | 'discontinued';

export interface ProductView {
  sku: string;
  name: string;
  category: string;
  priceCents: number;
  currency: string;
  onHand: number;
  /** Reserved for orders. */
  reserved: number;
  /** Held by operators (stock holds). */
  held: number;
  /** on hand − reserved − held */
  available: number;
  status: ProductStatus;
  revision: number;
}

export const productCacheKey = entityCacheKey('product');
