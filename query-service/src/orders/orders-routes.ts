import { cacheKeys, CustomerId, NotFound, OrderId } from '@order-engine/shared';
import { Router } from 'express';
import { z } from 'zod';
import { JSON_CONTENT_TYPE } from '../consistency/cache-aside.js';
import type { ReadEntity } from '../consistency/entity-read.js';
import type { ReadYourWrites } from '../consistency/read-your-writes.js';
import { minPositionOf, setReadPosition, waitForRequestedPosition } from '../consistency/read-position-headers.js';
import { cursorParam, toPage } from '../input/cursor.js';
import { isoInstantMicros, limitParam } from '../input/params.js';
import type { OrderReads } from './order-reads.js';

const OrderParams = z.object({ id: OrderId });
const CustomerParams = z.object({ id: CustomerId });

const CustomerOrdersCursor = z.object({ placedAt: isoInstantMicros, orderId: OrderId });
const CustomerOrdersQuery = z.object({
  limit: limitParam,
  cursor: cursorParam(CustomerOrdersCursor).optional(),
});

export interface OrdersRoutesOptions {
  /** The orders projection's live schema, resolved per request (after waiting for X-Min-Position). */
  schema: () => Promise<string>;
  orders: (schema: string) => OrderReads;
  readEntity: ReadEntity;
  readYourWrites: ReadYourWrites;
}

export function ordersRoutes({ schema, orders, readEntity, readYourWrites }: OrdersRoutesOptions): Router {
  const router = Router();

  router.get('/orders/:id', async (req, res) => {
    const { id } = OrderParams.parse(req.params);
    const { json, cache, readPosition } = await readEntity(minPositionOf(req), {
      projection: 'orders',
      schema,
      key: (live) => cacheKeys.order(live, id),
      load: (live) => orders(live).byId(id),
    });
    if (readPosition) setReadPosition(res, readPosition);
    res.setHeader('X-Cache', cache);
    if (json === undefined) throw new NotFound('order', id);
    res.setHeader('Content-Type', JSON_CONTENT_TYPE).send(json);
  });

  // A customer with no orders is an empty list, not a 404: customers are not a read model of their own.
  router.get('/customers/:id/orders', async (req, res) => {
    const { id } = CustomerParams.parse(req.params);
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
