import { CustomerId, OrderId, type ApiOperation } from '@order-engine/shared';
import { OrderView } from '@order-engine/shared/read-models/orders';
import { z } from 'zod';
import { readModelUnavailable, type EntityApi } from '../consistency/entity-route-api.js';
import { ReadHeaders } from '../consistency/read-position-api.js';
import { pageCursor, pageOf } from '../input/cursor.js';
import { isoInstantMicros, limitParam } from '../input/params.js';

// The orders' query routes: what they parse and what they answer.

export const CustomerParams = z.object({ id: CustomerId });

const CustomerOrdersCursor = z.object({ placedAt: isoInstantMicros, orderId: OrderId });
export const CustomerOrdersQuery = z.object({
  limit: limitParam,
  cursor: pageCursor(CustomerOrdersCursor),
});

const tag = 'orders';

/** GET /orders/:id, an entity read (entity-routes.ts). */
export const orderReadApi: EntityApi = {
  operationId: 'getOrder',
  summary: 'An order, with its lines and status timeline',
  tag,
  view: OrderView,
  notFound: 'No such order (or, for a customer, not its own).',
};

export const ordersApi: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/customers/:id/orders',
    operationId: 'listCustomerOrders',
    summary: "A customer's orders, newest first, a page at a time",
    description:
      'A customer without orders has an empty page, not a 404; so has another customer, for a customer caller. ' +
      'With X-Min-Position the answer waits (bounded) for that position.',
    tag,
    params: CustomerParams,
    query: CustomerOrdersQuery,
    headers: ReadHeaders,
    answers: { 200: { description: 'A page of orders.', body: pageOf(OrderView, 'OrderPage') } },
    refusals: {
      400:
        'A malformed customer id or limit, a cursor this route did not issue (start again without one), or an ' +
        'X-Min-Position that is not a position.',
      503: readModelUnavailable,
    },
  },
];
