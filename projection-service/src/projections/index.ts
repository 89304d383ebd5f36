import { catalogProjection } from './catalog/catalog-writer.js';
import { ordersProjection } from './orders/orders-writer.js';
import type { Projection } from './projection.js';
import { salesProjection } from './sales/sales-writer.js';

/** The live version of every projection. A rebuild brings its next version beside it. */
export const liveProjections: readonly Projection[] = [catalogProjection, ordersProjection, salesProjection];
