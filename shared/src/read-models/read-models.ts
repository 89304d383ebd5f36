import { versionKeyPrefix } from './cache-keys.js';
import { catalogProjection } from './catalog/catalog-writer.js';
import { customersProjection } from './customers/customers-writer.js';
import { ordersProjection } from './orders/orders-writer.js';
import type { Projection } from './projection.js';
import { salesProjection } from './sales/sales-writer.js';

// Every read model, one line each: the runner, rebuilds, verify, the janitor, dead letters and the query service's
// test tables iterate over this list.
export const readModels = [catalogProjection, ordersProjection, salesProjection, customersProjection] as const;

export type ProjectionName = (typeof readModels)[number]['name'];
export const projectionNames: readonly ProjectionName[] = readModels.map((model) => model.name);

type CachedKind = (typeof readModels)[number] extends infer Model
  ? Model extends Projection<string, infer Kind>
    ? Kind
    : never
  : never;

/** The cache key of every entity kind the read models cache (`cacheKeys.product(schema, sku)`), and of a version. */
export const cacheKeys = {
  ...(Object.fromEntries(
    readModels.flatMap((model) => (model.cacheKey ? [[model.cacheKey.kind, model.cacheKey.of]] : [])),
  ) as Record<CachedKind, (schema: string, id: string) => string>),
  ofVersion: versionKeyPrefix,
};
