import type { ApiOperation } from '@order-engine/shared';
import { productRoute } from './catalog/catalog-routes.js';
import { entityOperation } from './consistency/entity-route-api.js';
import type { EntityRoute } from './consistency/entity-route.js';
import { customerSummaryRoute } from './customers/customer-summary-route.js';
import { orderRoute } from './orders/orders-routes.js';

// Every GET of one view by its id, one line each: served cache first, PostgreSQL behind, the same way.
export const entityReadRoutes: readonly EntityRoute[] = [productRoute, orderRoute, customerSummaryRoute];

/** Their descriptions, each from its route's declaration. */
export const entityReadApi: readonly ApiOperation[] = entityReadRoutes.map(entityOperation);
