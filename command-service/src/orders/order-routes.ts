import { Router, type Response } from 'express';
import {
  HttpProblem,
  NotFound,
  ownCustomer,
  OrderRequest,
  orderDecider,
  type EventMetadata,
  type OrderCommand,
} from '@order-engine/shared';
import type { CommandHandler, OrderResult } from '../handling/command-handler.js';
import { commandAnswer } from '../http/command-answer.js';
import { requestMetadata } from '../http/request-metadata.js';
import { readLocation, type QueryUrl } from '../http/read-location.js';
import { recoveredEvents } from '../idempotency/idempotency-middleware.js';
import { priceLines } from './price-lines.js';

import { CancelBody, EmptyBody, IdParams, PayBody, ShipBody } from './order-api.js';

export function orderRoutes(commands: CommandHandler, newId: () => string, queryUrl: QueryUrl): Router {
  const router = Router();

  const place = async (body: OrderRequest, metadata: EventMetadata): Promise<OrderResult> => {
    const orderId = body.orderId ?? newId();
    const { currency, lines } = await priceLines(body.lines, commands.loadProduct);
    // An id made here names no stream yet: no need to read it (the append still expects no stream).
    const known =
      body.orderId === undefined ? { state: orderDecider.initialState, revision: -1, position: 0n } : undefined;
    return commands.order(
      { type: 'PlaceOrder', data: { orderId, customerId: body.customerId, currency, lines } },
      metadata,
      known,
    );
  };

  // A customer places orders for itself only, and moves (and sees) only its own: another's order does not exist for it.
  const ownOrder = (body: OrderRequest, res: Response): OrderRequest => {
    const customer = ownCustomer(res);
    if (customer !== undefined && body.customerId !== customer)
      throw new HttpProblem(403, 'forbidden', 'Forbidden', `a customer places orders for itself (${customer}) only`);
    return body;
  };
  const ownedOrder = async (orderId: string, res: Response) => {
    const customer = ownCustomer(res);
    if (customer === undefined) return undefined;
    const known = await commands.loadOrder(orderId);
    if (known.state.status === 'none' || known.state.customerId !== customer) throw new NotFound('order', orderId);
    return known;
  };

  // 202: the order is recorded, but confirmation happens asynchronously (the fulfilment saga reserves its stock).
  router.post('/orders', async (req, res) => {
    const body = OrderRequest.parse(req.body);
    // An earlier attempt that appended (and lost its answer) is answered from its events, with the id it made.
    const recovered = recoveredEvents(res);
    const result = recovered
      ? await commands.recoveredOrder(recovered)
      : await place(ownOrder(body, res), requestMetadata(req, res));
    if (result.state.status === 'none') throw new Error('a placed order has a stream');
    const { orderId } = result.state;
    res
      .status(202)
      .location(readLocation(queryUrl, req, `/orders/${encodeURIComponent(orderId)}`))
      .json(commandAnswer(result, { orderId, status: 'placed' }));
  });

  /** The routes that move an existing order along: each parses its body into the command's data. */
  const transitions: Record<string, (orderId: string, body: unknown) => OrderCommand> = {
    pay: (orderId, body) => ({ type: 'PayOrder', data: { orderId, ...PayBody.parse(body) } }),
    ship: (orderId, body) => ({ type: 'ShipOrder', data: { orderId, ...ShipBody.parse(body) } }),
    deliver: (orderId, body) => (EmptyBody.parse(body ?? {}), { type: 'DeliverOrder', data: { orderId } }),
    cancel: (orderId, body) => ({ type: 'CancelOrder', data: { orderId, ...CancelBody.parse(body) } }),
  };

  for (const [action, toCommand] of Object.entries(transitions)) {
    router.post(`/orders/:id/${action}`, async (req, res) => {
      const { id } = IdParams.parse(req.params);
      const command = toCommand(id, req.body);
      const recovered = recoveredEvents(res);
      const result = recovered
        ? await commands.recoveredOrder(recovered)
        : await commands.order(command, requestMetadata(req, res), await ownedOrder(id, res));
      res.json(commandAnswer(result, { orderId: id, status: result.state.status }));
    });
  }

  return router;
}
