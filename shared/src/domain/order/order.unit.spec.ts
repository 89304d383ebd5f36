import { describe, expect, it } from 'vitest';
import { deciderSpec, fixedContext } from '../../testing/decider-spec.js';
import { fold } from '../decider.js';
import { AlreadyExists, InvalidOrder, InvalidTransition, NotFound, PaymentMismatch } from '../errors.js';
import { MAX_CENTS } from '../money.js';
import type { OrderCommand, PricedLine } from './commands.js';
import type { OrderEvent } from './events.js';
import { type OrderStatus, orderDecider } from './order.js';

const orderId = 'order-1';
const spec = deciderSpec(orderDecider);

const lines: PricedLine[] = [
  { sku: 'KETTLE', quantity: 2, unitPriceCents: 2_499 },
  { sku: 'MUG', quantity: 3, unitPriceCents: 650 },
];
const totalCents = 2 * 2_499 + 3 * 650;

const place = (orderLines: PricedLine[] = lines): OrderCommand => ({
  type: 'PlaceOrder',
  data: { orderId, customerId: 'cust-1', currency: 'EUR', lines: orderLines },
});
const quantityOf = (sku: string): number => lines.find((line) => line.sku === sku)?.quantity ?? 1;
const markReserved = (sku: string, quantity = quantityOf(sku)): OrderCommand => ({
  type: 'MarkLineReserved',
  data: { orderId, sku, quantity },
});
const confirm: OrderCommand = { type: 'ConfirmOrder', data: { orderId } };
const reject: OrderCommand = { type: 'RejectOrder', data: { orderId, reason: 'insufficient stock', sku: 'MUG' } };
const pay = (amountCents: number = totalCents): OrderCommand => ({ type: 'PayOrder', data: { orderId, amountCents } });
const ship: OrderCommand = { type: 'ShipOrder', data: { orderId, carrier: 'DHL', trackingNumber: 'TRACK-1' } };
const deliver: OrderCommand = { type: 'DeliverOrder', data: { orderId } };
const cancel: OrderCommand = { type: 'CancelOrder', data: { orderId, reason: 'changed my mind' } };

const placed: OrderEvent = {
  type: 'OrderPlaced',
  data: { orderId, customerId: 'cust-1', lines, currency: 'EUR', totalCents, placedAt: fixedContext.now.toISOString() },
};
const lineReserved = (sku: 'KETTLE' | 'MUG'): OrderEvent => ({
  type: 'OrderLineReserved',
  data: { orderId, sku, quantity: sku === 'KETTLE' ? 2 : 3 },
});
const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { orderId } };
const rejected: OrderEvent = { type: 'OrderRejected', data: { orderId, reason: 'insufficient stock', sku: 'MUG' } };
const paid: OrderEvent = { type: 'OrderPaid', data: { orderId, amountCents: totalCents, currency: 'EUR' } };
const shipped: OrderEvent = { type: 'OrderShipped', data: { orderId, carrier: 'DHL', trackingNumber: 'TRACK-1' } };
const delivered: OrderEvent = { type: 'OrderDelivered', data: { orderId } };
const cancelled: OrderEvent = { type: 'OrderCancelled', data: { orderId, reason: 'changed my mind' } };

/** History that leaves the order in each status. */
const history: Record<OrderStatus, OrderEvent[]> = {
  placed: [placed],
  confirmed: [placed, lineReserved('KETTLE'), lineReserved('MUG'), confirmed],
  rejected: [placed, lineReserved('KETTLE'), rejected],
  paid: [placed, lineReserved('KETTLE'), lineReserved('MUG'), confirmed, paid],
  shipped: [placed, lineReserved('KETTLE'), lineReserved('MUG'), confirmed, paid, shipped],
  delivered: [placed, lineReserved('KETTLE'), lineReserved('MUG'), confirmed, paid, shipped, delivered],
  cancelled: [placed, cancelled],
};

/** Every (status, command) pair the lifecycle refuses with InvalidTransition. */
const refused: [OrderStatus, OrderCommand][] = [
  ['placed', confirm],
  ['rejected', confirm],
  ['paid', confirm],
  ['shipped', confirm],
  ['delivered', confirm],
  ['cancelled', confirm],
  ['confirmed', reject],
  ['paid', reject],
  ['shipped', reject],
  ['delivered', reject],
  ['placed', pay()],
  ['rejected', pay()],
  ['paid', pay()],
  ['shipped', pay()],
  ['delivered', pay()],
  ['cancelled', pay()],
  ['placed', ship],
  ['confirmed', ship],
  ['rejected', ship],
  ['shipped', ship],
  ['delivered', ship],
  ['cancelled', ship],
  ['placed', deliver],
  ['confirmed', deliver],
  ['rejected', deliver],
  ['paid', deliver],
  ['delivered', deliver],
  ['cancelled', deliver],
  ['shipped', cancel],
  ['delivered', cancel],
  ['rejected', cancel],
  ['cancelled', cancel],
];

describe('order decider', () => {
  it('the whole happy path: placed → confirmed → paid → shipped → delivered', () => {
    spec.given([]).when(place()).then([placed]);
    spec
      .given([placed])
      .when(markReserved('KETTLE'))
      .then([lineReserved('KETTLE')]);
    spec
      .given([placed, lineReserved('KETTLE')])
      .when(markReserved('MUG'))
      .then([lineReserved('MUG'), confirmed]);
    spec.given(history.confirmed).when(pay()).then([paid]);
    spec.given(history.paid).when(ship).then([shipped]);
    spec.given(history.shipped).when(deliver).then([delivered]);
    spec.given(history.delivered).thenState({
      status: 'delivered',
      orderId,
      customerId: 'cust-1',
      lines,
      currency: 'EUR',
      totalCents,
      placedAt: '2026-01-15T10:00:00.000Z',
      reserved: ['KETTLE', 'MUG'],
    });
  });

  describe('PlaceOrder', () => {
    it('total = Σ quantity × unit price, in integer cents, placed at the context time', () => {
      spec.given([]).when(place()).then([placed]);
      expect(totalCents).toBe(6_948);
    });

    it('keeps integer cents where floats would drift', () => {
      const cheap: PricedLine[] = [
        { sku: 'PIN', quantity: 3, unitPriceCents: 10 },
        { sku: 'CLIP', quantity: 7, unitPriceCents: 20 },
      ];
      const [event] = orderDecider.decide(place(cheap), { status: 'none' }, fixedContext);
      expect(event).toMatchObject({ type: 'OrderPlaced', data: { totalCents: 170 } });
    });

    it('refuses a total beyond MAX_CENTS', () => {
      const huge: PricedLine[] = [{ sku: 'GOLD', quantity: 1_000_000, unitPriceCents: MAX_CENTS }];
      spec.given([]).when(place(huge)).thenThrows(InvalidOrder, { orderId });
    });

    it('refuses lines whose sum, not any single line, passes MAX_CENTS', () => {
      const half = MAX_CENTS / 2;
      const twoHalves: PricedLine[] = [
        { sku: 'A', quantity: 1, unitPriceCents: half },
        { sku: 'B', quantity: 1, unitPriceCents: half + 1 },
      ];
      spec.given([]).when(place(twoHalves)).thenThrows(InvalidOrder, { orderId });
    });

    it('accepts a total of exactly MAX_CENTS', () => {
      const exact: PricedLine[] = [{ sku: 'A', quantity: 4, unitPriceCents: MAX_CENTS / 4 }];
      const [event] = orderDecider.decide(place(exact), { status: 'none' }, fixedContext);
      expect(event).toMatchObject({ data: { totalCents: MAX_CENTS } });
    });

    it('refuses the same sku on two lines', () => {
      const duplicate: PricedLine[] = [
        { sku: 'A', quantity: 1, unitPriceCents: 1 },
        { sku: 'A', quantity: 2, unitPriceCents: 1 },
      ];
      spec.given([]).when(place(duplicate)).thenThrows(InvalidOrder, { orderId });
    });

    it('refuses an order without lines', () => {
      spec.given([]).when(place([])).thenThrows(InvalidOrder, { orderId });
    });

    it('refuses to place an existing order', () => {
      spec.given([placed]).when(place()).thenThrows(AlreadyExists, { entity: 'order', id: orderId });
    });
  });

  describe('an order that does not exist', () => {
    it.each([markReserved('KETTLE'), confirm, reject, pay(), ship, deliver, cancel])(
      'refuses $type with NotFound',
      (command) => {
        spec.given([]).when(command).thenThrows(NotFound, { entity: 'order', id: orderId });
      },
    );
  });

  describe('MarkLineReserved', () => {
    it('reserves one line of a placed order without confirming it', () => {
      spec
        .given([placed])
        .when(markReserved('MUG'))
        .then([lineReserved('MUG')]);
    });

    it('confirms the order in the same decision when it reserves the last line', () => {
      spec
        .given([placed, lineReserved('MUG')])
        .when(markReserved('KETTLE'))
        .then([lineReserved('KETTLE'), confirmed]);
    });

    it('is a no-op for a line already reserved', () => {
      spec
        .given([placed, lineReserved('KETTLE')])
        .when(markReserved('KETTLE'))
        .then([]);
    });

    it.each(['confirmed', 'rejected', 'paid', 'shipped', 'delivered', 'cancelled'] as const)(
      'is a no-op once the order is %s',
      (status) => {
        spec.given(history[status]).when(markReserved('MUG')).then([]);
      },
    );

    it('refuses a sku that is not a line of the order', () => {
      spec.given([placed]).when(markReserved('TOASTER')).thenThrows(InvalidOrder, { orderId });
    });

    it.each([1, 4])(
      'refuses a reservation of %i units for a line of 3: only the full quantity reserves it',
      (quantity) => {
        spec.given([placed]).when(markReserved('MUG', quantity)).thenThrows(InvalidOrder, { orderId });
      },
    );
  });

  describe('ConfirmOrder', () => {
    it('confirms a placed order whose every line is reserved', () => {
      spec
        .given([placed, lineReserved('KETTLE'), lineReserved('MUG')])
        .when(confirm)
        .then([confirmed]);
    });

    it('is a no-op when already confirmed', () => {
      spec.given(history.confirmed).when(confirm).then([]);
    });

    it('is refused while a line is still unreserved', () => {
      spec
        .given([placed, lineReserved('KETTLE')])
        .when(confirm)
        .thenThrows(InvalidTransition, { orderId, from: 'placed', command: 'ConfirmOrder' });
    });
  });

  describe('RejectOrder', () => {
    it('rejects a placed order, naming the sku', () => {
      spec
        .given(history.placed)
        .when(reject)
        .then([{ type: 'OrderRejected', data: { orderId, reason: 'insufficient stock', sku: 'MUG' } }]);
    });

    it('rejects without a sku when none is given, and stores no sku key', () => {
      const [event] = orderDecider.decide(
        { type: 'RejectOrder', data: { orderId, reason: 'fraud' } },
        fold(orderDecider, history.placed),
        fixedContext,
      );
      expect(event).toStrictEqual({ type: 'OrderRejected', data: { orderId, reason: 'fraud' } });
    });

    it.each(['rejected', 'cancelled'] as const)('is a no-op when already %s', (status) => {
      spec.given(history[status]).when(reject).then([]);
    });
  });

  describe('PayOrder', () => {
    it('pays a confirmed order the exact total, in its currency', () => {
      spec.given(history.confirmed).when(pay(totalCents)).then([paid]);
    });

    it('refuses an amount that differs from the total', () => {
      spec
        .given(history.confirmed)
        .when(pay(totalCents - 1))
        .thenThrows(PaymentMismatch, { orderId, expectedCents: totalCents, receivedCents: totalCents - 1 });
    });

    it('paying twice is refused', () => {
      spec.given(history.paid).when(pay()).thenThrows(InvalidTransition, { from: 'paid', command: 'PayOrder' });
    });
  });

  describe('CancelOrder', () => {
    it.each(['placed', 'confirmed', 'paid'] as const)('cancels a %s order', (status) => {
      spec.given(history[status]).when(cancel).then([cancelled]);
    });

    it('cancel is refused once shipped', () => {
      spec
        .given(history.shipped)
        .when(cancel)
        .thenThrows(InvalidTransition, { orderId, from: 'shipped', command: 'CancelOrder' });
    });
  });

  describe('every InvalidTransition', () => {
    it.each(refused.map(([status, command]) => [status, command.type, command] as const))(
      'a %s order refuses %s',
      (status, _type, command) => {
        spec
          .given(history[status])
          .when(command)
          .thenThrows(InvalidTransition, { orderId, from: status, command: command.type });
      },
    );
  });

  describe('evolve', () => {
    it.each(Object.entries(history))('the %s history folds to that status', (status, events) => {
      expect(fold(orderDecider, events).status).toBe(status);
    });

    it('ignores events for an order that was never placed', () => {
      spec.given([lineReserved('MUG'), confirmed]).thenState({ status: 'none' });
    });

    it('applying the same OrderLineReserved twice records the sku once', () => {
      const order = fold(orderDecider, [placed, lineReserved('MUG'), lineReserved('MUG')]);
      expect(order).toMatchObject({ status: 'placed', reserved: ['MUG'] });
    });
  });
});
