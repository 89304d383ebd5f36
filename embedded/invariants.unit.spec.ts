import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandHandler, fulfilmentSaga } from '@order-engine/command-service';
import { projectProduct, type ProductRow } from '@order-engine/shared/read-models/catalog';
import { projectOrder, type OrderRow } from '@order-engine/shared/read-models/orders';
import {
  availableOf,
  decodeEvent,
  DomainError,
  memoryEventStore,
  silentLogger,
  type OrderCommand,
  type OrderEvent,
  type ProductCommand,
  type ProductEvent,
  type RecordedDomainEvent,
  type RecordedEvent,
} from '@order-engine/shared';

// Random sequences of every public command through the deciders, with the fulfilment saga fed at least once and out
// of order across streams (as Kafka partitions keyed by stream id may), and the projections fed every event twice.
// After every step: available ≥ 0, on hand = added − shipped, each shipped order left the shelf exactly once. At the
// end, once the saga has seen everything: every placed order is decided, and a fresh fold equals the projections' rows.

const skus = ['A', 'B', 'C'];
const orderIds = ['o1', 'o2', 'o3', 'o4', 'o5', 'o6'];
const holdIds = ['h1', 'h2'];
const quantity = fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(1_000_000));

type Step =
  | { kind: 'product'; command: ProductCommand }
  | { kind: 'place'; orderId: string; lines: { sku: string; quantity: number }[] }
  | { kind: 'order'; action: 'pay' | 'ship' | 'deliver' | 'cancel'; orderId: string };

const sku = fc.constantFrom(...skus);
const productStep: fc.Arbitrary<Step> = fc
  .oneof(
    sku.map((s) => ({
      type: 'RegisterProduct' as const,
      data: { sku: s, name: `Product ${s}`, category: 'test', priceCents: 100, currency: 'EUR' },
    })),
    fc
      .record({ s: sku, quantity })
      .map(({ s, quantity }) => ({ type: 'Restock' as const, data: { sku: s, quantity } })),
    fc
      .record({ s: sku, price: fc.integer({ min: 1, max: 500 }) })
      .map(({ s, price }) => ({ type: 'ChangePrice' as const, data: { sku: s, priceCents: price } })),
    fc.record({ s: sku, holdId: fc.constantFrom(...holdIds), quantity }).map(({ s, holdId, quantity }) => ({
      type: 'PlaceHold' as const,
      data: { sku: s, holdId, quantity, reason: 'property test' },
    })),
    fc
      .record({ s: sku, holdId: fc.constantFrom(...holdIds) })
      .map(({ s, holdId }) => ({ type: 'ReleaseHold' as const, data: { sku: s, holdId } })),
    sku.map((s) => ({ type: 'DiscontinueProduct' as const, data: { sku: s } })),
  )
  .map((command): Step => ({ kind: 'product', command }));
const placeStep: fc.Arbitrary<Step> = fc
  .record({
    orderId: fc.constantFrom(...orderIds),
    lines: fc.uniqueArray(fc.record({ sku, quantity }), { minLength: 1, maxLength: 3, selector: (line) => line.sku }),
  })
  .map(({ orderId, lines }) => ({ kind: 'place', orderId, lines }));
const orderStep: fc.Arbitrary<Step> = fc
  .record({
    action: fc.constantFrom('pay', 'ship', 'deliver', 'cancel' as const),
    orderId: fc.constantFrom(...orderIds),
  })
  .map(({ action, orderId }) => ({ kind: 'order', action, orderId }));
const step = fc.oneof(
  { arbitrary: productStep, weight: 4 },
  { arbitrary: placeStep, weight: 3 },
  { arbitrary: orderStep, weight: 3 },
);
/** What the saga's feed does after a step: how many pending events it delivers, in which order, and which it redelivers. */
const delivery = fc.record({
  count: fc.nat({ max: 12 }),
  picks: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
  redeliver: fc.nat({ max: 3 }),
});

type Delivery = { count: number; picks: number[]; redeliver: number };

async function run(steps: { step: Step; delivery: Delivery }[]) {
  const store = memoryEventStore();
  const commands = commandHandler(store);
  const saga = fulfilmentSaga(commands, silentLogger);
  let seen = 0n;
  const pending: RecordedEvent[] = [];
  const delivered: RecordedEvent[] = [];

  const refusedOk = async (action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  };
  const collect = async () => {
    const fresh = await store.readAll({ after: seen });
    if (fresh.length > 0) seen = fresh.at(-1)!.position;
    pending.push(...fresh);
  };
  // Any pending event may go first, but never ahead of an earlier one of its own stream (one partition's order).
  const deliverOne = async (pick: number) => {
    const heads = pending.filter((event, i) => pending.findIndex((other) => other.streamId === event.streamId) === i);
    const event = heads[pick % heads.length]!;
    pending.splice(pending.indexOf(event), 1);
    await saga(event);
    delivered.push(event);
    await collect();
  };

  for (const { step, delivery: feed } of steps) {
    await perform(step);
    await collect();
    for (let i = 0; i < feed.count && pending.length > 0; i++) await deliverOne(feed.picks[i % feed.picks.length]!);
    for (let i = 0; i < feed.redeliver && delivered.length > 0; i++)
      pending.push(delivered[feed.picks[i]! % delivered.length]!);
    await checkSafety();
  }
  while (pending.length > 0) await deliverOne(0);
  await checkSafety();
  await checkDecidedAndProjected();

  async function perform(s: Step): Promise<void> {
    if (s.kind === 'product') return refusedOk(() => commands.product(s.command));
    if (s.kind === 'place') {
      const products = await Promise.all(s.lines.map(async (line) => (await commands.loadProduct(line.sku)).state));
      // The route refuses unknown or discontinued products before deciding: so does this.
      if (products.some((product) => product.status !== 'active')) return;
      const lines = s.lines.map((line, i) => ({
        ...line,
        unitPriceCents: (products[i] as { priceCents: number }).priceCents,
      }));
      return refusedOk(() =>
        commands.order({ type: 'PlaceOrder', data: { orderId: s.orderId, customerId: 'c-1', currency: 'EUR', lines } }),
      );
    }
    const order = (await commands.loadOrder(s.orderId)).state;
    const orderId = s.orderId;
    const command: OrderCommand = {
      pay: {
        type: 'PayOrder' as const,
        data: { orderId, amountCents: order.status === 'none' ? 1 : order.totalCents },
      },
      ship: { type: 'ShipOrder' as const, data: { orderId, carrier: 'DHL', trackingNumber: 'T-1' } },
      deliver: { type: 'DeliverOrder' as const, data: { orderId } },
      cancel: { type: 'CancelOrder' as const, data: { orderId, reason: 'changed my mind' } },
    }[s.action];
    return refusedOk(() => commands.order(command));
  }

  async function history() {
    return (await store.readAll()).map(decodeEvent);
  }

  async function checkSafety(): Promise<void> {
    const events = await history();
    for (const s of skus) {
      const product = (await commands.loadProduct(s)).state;
      if (product.status === 'none') continue;
      const own = events.filter(
        (event) => (event.data as { sku?: string }).sku === s && event.streamId === `product-${s}`,
      ) as RecordedDomainEvent<ProductEvent>[];
      const sum = (type: ProductEvent['type']) =>
        own
          .filter((event) => event.type === type)
          .reduce((total, event) => total + (event.data as { quantity: number }).quantity, 0);
      expect(availableOf(product), `available of ${s}`).toBeGreaterThanOrEqual(0);
      expect(product.onHand, `on hand of ${s}`).toBe(sum('StockAdded') - sum('StockShipped'));
      // Each order's quantity leaves the shelf at most once, and only an order that shipped.
      const shipments = own.filter((event) => event.type === 'StockShipped') as RecordedDomainEvent<
        Extract<ProductEvent, { type: 'StockShipped' }>
      >[];
      expect(new Set(shipments.map((event) => event.data.orderId)).size).toBe(shipments.length);
      for (const shipment of shipments) {
        const order = (await commands.loadOrder(shipment.data.orderId)).state;
        expect(order.status === 'shipped' || order.status === 'delivered', `${shipment.data.orderId} shipped`).toBe(
          true,
        );
        expect(order.status !== 'none' && order.lines.find((line) => line.sku === s)?.quantity).toBe(
          shipment.data.quantity,
        );
      }
    }
  }

  async function checkDecidedAndProjected(): Promise<void> {
    const events = await history();
    // Every event twice: the projections skip what they applied.
    const twice = events.flatMap((event) => [event, event]);
    const productRows = new Map<string, ProductRow | undefined>();
    const orderRows = new Map<string, OrderRow | undefined>();
    for (const event of twice) {
      if (event.streamId.startsWith('product-')) {
        const key = event.streamId;
        productRows.set(key, projectProduct(productRows.get(key), event as RecordedDomainEvent<ProductEvent>));
      } else {
        orderRows.set(
          event.streamId,
          projectOrder(orderRows.get(event.streamId), event as RecordedDomainEvent<OrderEvent>),
        );
      }
    }
    for (const orderId of orderIds) {
      const order = (await commands.loadOrder(orderId)).state;
      if (order.status === 'none') continue;
      expect(order.status, `order ${orderId} is decided`).not.toBe('placed');
      if (
        order.status === 'confirmed' ||
        order.status === 'paid' ||
        order.status === 'shipped' ||
        order.status === 'delivered'
      ) {
        expect([...order.reserved].sort(), `order ${orderId} has every line reserved`).toEqual(
          order.lines.map((line) => line.sku).sort(),
        );
      }
      expect(orderRows.get(`order-${orderId}`)).toMatchObject({ status: order.status, totalCents: order.totalCents });
      // Shipped or delivered: every line left its shelf once; otherwise, none did.
      const shipped = events.filter((event) => event.type === 'StockShipped' && event.data.orderId === orderId);
      expect(shipped.length).toBe(order.status === 'shipped' || order.status === 'delivered' ? order.lines.length : 0);
    }
    for (const s of skus) {
      const product = (await commands.loadProduct(s)).state;
      if (product.status === 'none') continue;
      expect(productRows.get(`product-${s}`)).toMatchObject({
        onHand: product.onHand,
        reserved: product.reserved,
        held: product.held,
        available: availableOf(product),
        status: product.status,
        priceCents: product.priceCents,
      });
      // Reservations are only those of live orders, each of its line's full quantity.
      for (const [orderId, reserved] of product.reservations) {
        const order = (await commands.loadOrder(orderId)).state;
        expect(order.status === 'confirmed' || order.status === 'paid', `${orderId} holds ${s}`).toBe(true);
        expect(order.status !== 'none' && order.lines.find((line) => line.sku === s)?.quantity).toBe(reserved);
      }
    }
  }
}

describe('domain invariants under random commands, redelivered and reordered events', () => {
  it('hold for 1,000 random command sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ step, delivery }), { minLength: 1, maxLength: 30 }), (steps) => run(steps)),
      { seed: 16, numRuns: 1_000 },
    );
  }, 300_000);
});
