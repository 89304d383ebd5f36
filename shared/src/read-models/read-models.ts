import { catalogProjection } from './catalog/catalog-writer.js';
import { ordersProjection } from './orders/orders-writer.js';
import type { Projection } from './projection.js';
import { salesProjection } from './sales/sales-writer.js';

// Every read model, one line each: the runner, rebuilds, verify, the janitor and dead letters iterate over this list.
export const readModels: readonly Projection[] = [catalogProjection, ordersProjection, salesProjection];
