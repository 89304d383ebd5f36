import { productRoute } from './catalog/catalog-routes.js';
import type { EntityRoute } from './consistency/entity-route.js';
import { customerSummaryRoute } from './customers/customer-summary-route.js';
import { orderRoute } from './orders/orders-routes.js';

// Every GET of one view by its id, one line each: served cache first, PostgreSQL behind, the same way.
export const entityReadRoutes: readonly EntityRoute[] = [productRoute, orderRoute, customerSummaryRoute];
