import { orderStream, productStream, type DomainEvent, type OrderEvent, type ProductEvent } from '@order-engine/shared';
import type { HistoryStep } from './sample-history.js';

// A history of any size, in the order the command side and the fulfilment saga write it, for rebuild tests and the
// rebuild benchmark: products registered and restocked (and now and then repriced), orders placed, each line reserved
// or refused for stock, then confirmed (or rejected, releasing what was reserved), paid, shipped with the stock taken
// off the shelf and delivered, or cancelled on the way. Deterministic for a seed; stock never goes below zero.

export interface GeneratedHistoryOptions {
  products: number;
  orders: number;
  seed?: number;
  /** A short alias for the generated ids, so two histories in one store do not share streams. */
  idPrefix?: string;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Stock {
  sku: string;
  priceCents: number;
  onHand: number;
  reserved: number;
}

const categories = ['kitchen', 'office', 'garden', 'lighting', 'tools', 'home'];

export function* generatedHistory({
  products,
  orders,
  seed = 1,
  idPrefix = '',
}: GeneratedHistoryOptions): Generator<HistoryStep> {
  const next = random(seed);
  const pick = (n: number) => Math.floor(next() * n);
  const product = (sku: string, ...events: ProductEvent[]): HistoryStep => ({ streamId: productStream(sku), events });
  const order = (orderId: string, ...events: OrderEvent[]): HistoryStep => ({ streamId: orderStream(orderId), events });
  const stock: Stock[] = [];

  for (let i = 0; i < products; i++) {
    const sku = `${idPrefix}sku-${i}`;
    const item: Stock = { sku, priceCents: 100 + pick(20_000), onHand: 0, reserved: 0 };
    stock.push(item);
    yield product(sku, {
      type: 'ProductRegistered',
      data: {
        sku,
        name: `Product ${i}`,
        category: categories[i % categories.length]!,
        priceCents: item.priceCents,
        currency: 'EUR',
      },
    });
    const quantity = 20 + pick(200);
    item.onHand += quantity;
    yield product(sku, { type: 'StockAdded', data: { sku, quantity } });
  }

  for (let n = 0; n < orders; n++) {
    const orderId = `${idPrefix}order-${n}`;
    const chosen = new Map<string, { item: Stock; quantity: number }>();
    for (let lines = 1 + pick(3); chosen.size < lines;) {
      const item = stock[pick(stock.length)]!;
      if (!chosen.has(item.sku)) chosen.set(item.sku, { item, quantity: 1 + pick(3) });
      if (chosen.size >= stock.length) break;
    }
    const lines = [...chosen.values()].map(({ item, quantity }) => ({
      sku: item.sku,
      quantity,
      unitPriceCents: item.priceCents,
    }));
    const totalCents = lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
    yield order(orderId, {
      type: 'OrderPlaced',
      data: {
        orderId,
        customerId: `customer-${pick(Math.max(1, orders / 4))}`,
        lines,
        currency: 'EUR',
        totalCents,
        placedAt: new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString(),
      },
    });

    const reserved: { item: Stock; quantity: number }[] = [];
    let refused: string | undefined;
    for (const { item, quantity } of chosen.values()) {
      const available = item.onHand - item.reserved;
      if (available < quantity) {
        yield product(item.sku, {
          type: 'StockReservationRejected',
          data: { sku: item.sku, orderId, requested: quantity, available, reason: 'insufficient_stock' },
        });
        refused = item.sku;
        break;
      }
      item.reserved += quantity;
      reserved.push({ item, quantity });
      yield product(item.sku, { type: 'StockReserved', data: { sku: item.sku, orderId, quantity } });
      yield order(orderId, { type: 'OrderLineReserved', data: { orderId, sku: item.sku, quantity } });
    }

    const release = function* (): Generator<HistoryStep> {
      for (const { item, quantity } of reserved) {
        item.reserved -= quantity;
        yield product(item.sku, { type: 'StockReleased', data: { sku: item.sku, orderId, quantity } });
      }
    };
    if (refused !== undefined) {
      yield order(orderId, { type: 'OrderRejected', data: { orderId, reason: 'insufficient_stock', sku: refused } });
      yield* release();
    } else {
      yield order(orderId, { type: 'OrderConfirmed', data: { orderId } });
      const fate = next();
      if (fate < 0.1) {
        yield order(orderId, { type: 'OrderCancelled', data: { orderId, reason: 'changed my mind' } });
        yield* release();
      } else {
        yield order(orderId, { type: 'OrderPaid', data: { orderId, amountCents: totalCents, currency: 'EUR' } });
        if (fate < 0.2) {
          yield order(orderId, { type: 'OrderCancelled', data: { orderId, reason: 'refund' } });
          yield* release();
        } else if (fate < 0.95) {
          yield order(orderId, { type: 'OrderShipped', data: { orderId, carrier: 'DHL', trackingNumber: `JD${n}` } });
          for (const { item, quantity } of reserved) {
            item.reserved -= quantity;
            item.onHand -= quantity;
            yield product(item.sku, { type: 'StockShipped', data: { sku: item.sku, orderId, quantity } });
          }
          if (fate < 0.85) yield order(orderId, { type: 'OrderDelivered', data: { orderId } });
        }
      }
    }

    // Restock what runs low, reprice now and then.
    for (const { item } of chosen.values()) {
      if (item.onHand - item.reserved < 5) {
        const quantity = 50 + pick(300);
        item.onHand += quantity;
        yield product(item.sku, { type: 'StockAdded', data: { sku: item.sku, quantity } });
      }
      if (next() < 0.01) {
        const previousPriceCents = item.priceCents;
        item.priceCents = Math.max(100, previousPriceCents + pick(2_000) - 1_000);
        yield product(item.sku, {
          type: 'PriceChanged',
          data: { sku: item.sku, priceCents: item.priceCents, previousPriceCents },
        });
      }
    }
  }
}

/** The events of a generated history one by one, with their streams (for a bulk load). */
export function* eventsOf(steps: Iterable<HistoryStep>): Generator<{ streamId: string; event: DomainEvent }> {
  for (const step of steps) for (const event of step.events) yield { streamId: step.streamId, event };
}
