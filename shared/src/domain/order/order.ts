import { z } from 'zod';
import type { DecideContext, Decider } from '../decider.js';
import { AlreadyExists, InvalidOrder, InvalidTransition, NotFound, PaymentMismatch } from '../errors.js';
import { MAX_CENTS } from '../money.js';
import { DISTINCT_SKUS, hasDistinctSkus } from './commands.js';
import type {
  CancelOrder,
  MarkLineReserved,
  OrderCommand,
  PayOrder,
  PlaceOrder,
  RejectOrder,
  ShipOrder,
} from './commands.js';
import type { OrderEvent, OrderLine } from './events.js';

export const OrderStatus = z.enum(['placed', 'confirmed', 'rejected', 'paid', 'shipped', 'delivered', 'cancelled']);
export type OrderStatus = z.infer<typeof OrderStatus>;

interface OrderDetails {
  orderId: string;
  customerId: string;
  lines: OrderLine[];
  currency: string;
  totalCents: number;
  placedAt: string;
  /** skus whose stock is reserved */
  reserved: string[];
}

// Order state is a union on status: an order that does not exist has no lines, and every other has them.
export type Order = { status: 'none' } | ({ status: OrderStatus } & OrderDetails);

type ExistingOrder = Extract<Order, { lines: OrderLine[] }>;

export const isFullyReserved = (order: ExistingOrder): boolean =>
  order.lines.every((line) => order.reserved.includes(line.sku));

const refuse = (order: ExistingOrder, command: OrderCommand): InvalidTransition =>
  new InvalidTransition(order.orderId, order.status, command.type);

// Stops as soon as the running total passes MAX_CENTS, so every value kept is an exact integer far below 2^53.
export function orderTotalCents(orderId: string, lines: readonly OrderLine[]): number {
  let total = 0;
  for (const line of lines) {
    total += line.quantity * line.unitPriceCents;
    if (total > MAX_CENTS) throw new InvalidOrder(orderId, `total exceeds the maximum of ${MAX_CENTS} cents`);
  }
  return total;
}

// The command handler builds PlaceOrder after pricing, so the decider guards the line invariants itself.
const placeOrder = ({ data }: PlaceOrder, now: Date): OrderEvent[] => {
  if (data.lines.length === 0) throw new InvalidOrder(data.orderId, 'an order needs at least one line');
  if (!hasDistinctSkus(data.lines)) throw new InvalidOrder(data.orderId, DISTINCT_SKUS);
  const lines = data.lines.map(({ sku, quantity, unitPriceCents }) => ({ sku, quantity, unitPriceCents }));
  const totalCents = orderTotalCents(data.orderId, lines);
  return [
    {
      type: 'OrderPlaced',
      data: {
        orderId: data.orderId,
        customerId: data.customerId,
        lines,
        currency: data.currency,
        totalCents,
        placedAt: now.toISOString(),
      },
    },
  ];
};

// The saga delivers at least once: a late or repeated mark is a no-op rather than an error.
const markLineReserved = ({ data }: MarkLineReserved, order: ExistingOrder): OrderEvent[] => {
  const line = order.lines.find((candidate) => candidate.sku === data.sku);
  if (!line) throw new InvalidOrder(order.orderId, `has no line for sku ${data.sku}`);
  // Only a reservation of the line's full quantity reserves it.
  if (line.quantity !== data.quantity)
    throw new InvalidOrder(order.orderId, `line ${data.sku} needs ${line.quantity}, not ${data.quantity}`);
  if (order.status !== 'placed' || order.reserved.includes(line.sku)) return [];
  const lineReserved: OrderEvent = {
    type: 'OrderLineReserved',
    data: { orderId: order.orderId, sku: line.sku, quantity: line.quantity },
  };
  const completesOrder = isFullyReserved({ ...order, reserved: [...order.reserved, line.sku] });
  return completesOrder ? [lineReserved, { type: 'OrderConfirmed', data: { orderId: order.orderId } }] : [lineReserved];
};

const confirmOrder = (command: OrderCommand, order: ExistingOrder): OrderEvent[] => {
  if (order.status === 'confirmed') return [];
  if (order.status !== 'placed' || !isFullyReserved(order)) throw refuse(order, command);
  return [{ type: 'OrderConfirmed', data: { orderId: order.orderId } }];
};

const rejectOrder = (command: RejectOrder, order: ExistingOrder): OrderEvent[] => {
  if (order.status === 'rejected' || order.status === 'cancelled') return [];
  if (order.status !== 'placed') throw refuse(order, command);
  const { reason, sku } = command.data;
  return [
    {
      type: 'OrderRejected',
      data: sku === undefined ? { orderId: order.orderId, reason } : { orderId: order.orderId, reason, sku },
    },
  ];
};

const payOrder = (command: PayOrder, order: ExistingOrder): OrderEvent[] => {
  if (order.status !== 'confirmed') throw refuse(order, command);
  const { amountCents } = command.data;
  if (amountCents !== order.totalCents) throw new PaymentMismatch(order.orderId, order.totalCents, amountCents);
  return [{ type: 'OrderPaid', data: { orderId: order.orderId, amountCents, currency: order.currency } }];
};

const shipOrder = (command: ShipOrder, order: ExistingOrder): OrderEvent[] => {
  if (order.status !== 'paid') throw refuse(order, command);
  const { carrier, trackingNumber } = command.data;
  return [{ type: 'OrderShipped', data: { orderId: order.orderId, carrier, trackingNumber } }];
};

const deliverOrder = (command: OrderCommand, order: ExistingOrder): OrderEvent[] => {
  if (order.status !== 'shipped') throw refuse(order, command);
  return [{ type: 'OrderDelivered', data: { orderId: order.orderId } }];
};

const cancellable: readonly OrderStatus[] = ['placed', 'confirmed', 'paid'];

const cancelOrder = (command: CancelOrder, order: ExistingOrder): OrderEvent[] => {
  if (!cancellable.includes(order.status)) throw refuse(order, command);
  return [{ type: 'OrderCancelled', data: { orderId: order.orderId, reason: command.data.reason } }];
};

function decide(command: OrderCommand, state: Order, context: DecideContext): OrderEvent[] {
  if (command.type === 'PlaceOrder') {
    if (state.status !== 'none') throw new AlreadyExists('order', command.data.orderId);
    return placeOrder(command, context.now);
  }
  if (state.status === 'none') throw new NotFound('order', command.data.orderId);
  switch (command.type) {
    case 'MarkLineReserved':
      return markLineReserved(command, state);
    case 'ConfirmOrder':
      return confirmOrder(command, state);
    case 'RejectOrder':
      return rejectOrder(command, state);
    case 'PayOrder':
      return payOrder(command, state);
    case 'ShipOrder':
      return shipOrder(command, state);
    case 'DeliverOrder':
      return deliverOrder(command, state);
    case 'CancelOrder':
      return cancelOrder(command, state);
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled order command ${JSON.stringify(unhandled)}`);
    }
  }
}

function evolve(state: Order, event: OrderEvent): Order {
  if (event.type === 'OrderPlaced') {
    const { orderId, customerId, lines, currency, totalCents, placedAt } = event.data;
    return { status: 'placed', orderId, customerId, lines, currency, totalCents, placedAt, reserved: [] };
  }
  // History is a fact: an event for an order never placed cannot be applied, so it leaves the state as it is.
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'OrderLineReserved':
      return state.reserved.includes(event.data.sku)
        ? state
        : { ...state, reserved: [...state.reserved, event.data.sku] };
    case 'OrderConfirmed':
      return { ...state, status: 'confirmed' };
    case 'OrderRejected':
      return { ...state, status: 'rejected' };
    case 'OrderPaid':
      return { ...state, status: 'paid' };
    case 'OrderShipped':
      return { ...state, status: 'shipped' };
    case 'OrderDelivered':
      return { ...state, status: 'delivered' };
    case 'OrderCancelled':
      return { ...state, status: 'cancelled' };
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled order event ${JSON.stringify(unhandled)}`);
    }
  }
}

export const orderDecider: Decider<Order, OrderCommand, OrderEvent> = {
  initialState: { status: 'none' },
  decide,
  evolve,
};
