import { catalogProjection } from './catalog/catalog-writer.js';
import { ordersProjection } from './orders/orders-writer.js';
import { salesProjection } from './sales/sales-writer.js';

// Every read model, one line each: the runner, rebuilds, verify, the janitor and dead letters iterate over this list.
export const readModels = [catalogProjection, ordersProjection, salesProjection] as const;

export type ProjectionName = (typeof readModels)[number]['name'];
export const projectionNames: readonly ProjectionName[] = readModels.map((model) => model.name);
