import { OrderId, ownCustomer } from '@order-engine/shared';
import { orderCacheKey, orderReads, type OrderReads } from '@order-engine/shared/read-models/orders';
import { Router } from 'express';
import { entityRoute } from '../consistency/entity-route.js';
import type { ReadYourWrites } from '../consistency/read-your-writes.js';
import { waitForRequestedPosition } from '../consistency/read-position-headers.js';
import { toPage } from '../input/cursor.js';
import { CustomerOrdersQuery, CustomerParams, orderReadApi } from './orders-api.js';

export const orderRoute = entityRoute({
  path: '/orders/:id',
  id: OrderId,
  projection: 'orders',
  cacheKey: orderCacheKey,
  load: (db, schema, orderId) => orderReads(db, schema).byId(orderId),
  ownedBy: 'customerId',
  api: orderReadApi,
});

export interface OrdersRoutesOptions {
  /** The orders projection's live schema, resolved per request (after waiting for X-Min-Position). */
  schema: () => Promise<string>;
  orders: (schema: string) => OrderReads;
  readYourWrites: ReadYourWrites;
}

export function ordersRoutes({ schema, orders, readYourWrites }: OrdersRoutesOptions): Router {
  const router = Router();

  // A customer with no orders is an empty list, not a 404: customers are not a read model of their own.
  router.get('/customers/:id/orders', async (req, res) => {
    const { id } = CustomerParams.parse(req.params);
    // Another customer's orders are missing for a customer: an empty page, as for a customer without orders.
    const customer = ownCustomer(res);
    if (customer !== undefined && customer !== id) {
      res.json({ items: [], nextCursor: null });
      return;
    }
    const { limit, cursor } = CustomerOrdersQuery.parse(req.query);
    await waitForRequestedPosition(req, res, readYourWrites, 'orders');
    const rows = await orders(await schema()).byCustomer({ customerId: id, after: cursor, limit: limit + 1 });
    res.json(
      toPage(
        rows,
        limit,
        (row) => row.view,
        (row) => row.key,
      ),
    );
  });

  return router;
}
