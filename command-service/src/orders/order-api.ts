import { z } from 'zod';
import {
  CancelOrder,
  OrderId,
  OrderRequest,
  OrderStatus,
  PayOrder,
  ShipOrder,
  header,
  type ApiOperation,
} from '@order-engine/shared';
import { CommandAnswer } from '../http/command-answer.js';
import { CommandHeaders } from '../http/request-metadata.js';

// The order command routes: what they parse (the domain commands' own data schemas, less the id the path names) and
// what they answer.

export const IdParams = z.strictObject({ id: OrderId });
export const PayBody = PayOrder.shape.data.omit({ orderId: true });
export const ShipBody = ShipOrder.shape.data.omit({ orderId: true });
export const CancelBody = CancelOrder.shape.data.omit({ orderId: true });
export const EmptyBody = z.strictObject({});

const OrderAnswer = CommandAnswer.extend({ orderId: OrderId, status: OrderStatus }).meta({ id: 'OrderAnswer' });

const tag = 'orders';
const refused = {
  404: 'No such order (or, for a customer, not its own).',
  409: 'The order cannot move this way from its status.',
  422: 'The request is well formed but cannot be carried out (a payment of another amount).',
};

/** The routes that move an order along, each with its body. */
const transitions = [
  { action: 'pay', operationId: 'payOrder', summary: 'Pay an order (its exact total)', body: { schema: PayBody } },
  { action: 'ship', operationId: 'shipOrder', summary: 'Ship a paid order', body: { schema: ShipBody } },
  {
    action: 'deliver',
    operationId: 'deliverOrder',
    summary: 'Mark a shipped order delivered',
    body: { schema: EmptyBody, optional: true as const },
  },
  {
    action: 'cancel',
    operationId: 'cancelOrder',
    summary: 'Cancel an order before it ships',
    body: { schema: CancelBody },
  },
];

export const orderApi: readonly ApiOperation[] = [
  {
    method: 'post',
    path: '/orders',
    operationId: 'placeOrder',
    summary: 'Place an order',
    description:
      'Records the order (prices from the catalog); the fulfilment saga then reserves its stock and confirms or ' +
      'rejects it. A customer places orders for itself only.',
    tag,
    headers: CommandHeaders,
    body: { schema: OrderRequest },
    answers: {
      202: {
        description: 'Placed; confirmation follows asynchronously.',
        body: OrderAnswer,
        headers: { Location: header("The order's URL on the query API (`GET /orders/{id}`), where it is read.") },
      },
    },
    refusals: {
      404: 'A line names a product that does not exist.',
      409: 'An order with this id exists, or a product is discontinued.',
      422: 'The order cannot be priced (its lines are in different currencies, or its total is too large).',
    },
  },
  ...transitions.map(({ action, operationId, summary, body }): ApiOperation => ({
    method: 'post',
    path: `/orders/:id/${action}`,
    operationId,
    summary,
    tag,
    params: IdParams,
    headers: CommandHeaders,
    body,
    answers: { 200: { description: 'Done.', body: OrderAnswer } },
    refusals: refused,
  })),
];
