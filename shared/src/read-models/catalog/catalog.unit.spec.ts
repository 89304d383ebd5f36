import { describe, expect, it } from 'vitest';
import type { ProductEvent } from '../../domain/index.js';
import { eventRecorder } from '../../testing/recorded.js';
import { projectProduct, productView, type ProductDomainEvent, type ProductRow } from './catalog.js';

const fold = (events: readonly ProductDomainEvent[], from?: ProductRow) =>
  events.reduce<ProductRow | undefined>(projectProduct, from);

const history = (...events: ProductEvent[]) => {
  const record = eventRecorder();
  return events.map((event) => record(event));
};

const registered: ProductEvent = {
  type: 'ProductRegistered',
  data: { sku: 'SKU-1', name: 'Lamp', category: 'lighting', priceCents: 1999, currency: 'EUR' },
};

describe('catalog projection', () => {
  it('registers a product with no stock', () => {
    const [event] = history(registered);
    expect(productView(fold([event!])!)).toEqual({
      sku: 'SKU-1',
      name: 'Lamp',
      category: 'lighting',
      priceCents: 1999,
      currency: 'EUR',
      onHand: 0,
      reserved: 0,
      held: 0,
      available: 0,
      status: 'active',
      revision: 0,
    });
  });

  it('keeps available = on hand − reserved through restock, reserve, release and ship', () => {
    const events = history(
      registered,
      { type: 'StockAdded', data: { sku: 'SKU-1', quantity: 10 } },
      { type: 'StockReserved', data: { sku: 'SKU-1', orderId: 'o1', quantity: 3 } },
      { type: 'StockReserved', data: { sku: 'SKU-1', orderId: 'o2', quantity: 2 } },
      { type: 'StockReleased', data: { sku: 'SKU-1', orderId: 'o2', quantity: 2 } },
      { type: 'StockShipped', data: { sku: 'SKU-1', orderId: 'o1', quantity: 3 } },
    );
    expect(fold(events)).toMatchObject({ onHand: 7, reserved: 0, available: 7, revision: 5 });
    expect(fold(events.slice(0, 4))).toMatchObject({ onHand: 10, reserved: 5, available: 5, revision: 3 });
  });

  it('keeps available = on hand − reserved − held through holds placed and released', () => {
    const events = history(
      registered,
      { type: 'StockAdded', data: { sku: 'SKU-1', quantity: 10 } },
      { type: 'StockReserved', data: { sku: 'SKU-1', orderId: 'o1', quantity: 3 } },
      { type: 'StockHeld', data: { sku: 'SKU-1', holdId: 'h1', quantity: 4, reason: 'display' } },
      { type: 'StockHoldReleased', data: { sku: 'SKU-1', holdId: 'h1', quantity: 4 } },
    );
    expect(fold(events.slice(0, 4))).toMatchObject({ onHand: 10, reserved: 3, held: 4, available: 3 });
    expect(fold(events)).toMatchObject({ onHand: 10, reserved: 3, held: 0, available: 7 });
  });

  it('changes the price and discontinues', () => {
    const events = history(
      registered,
      { type: 'PriceChanged', data: { sku: 'SKU-1', priceCents: 2499, previousPriceCents: 1999 } },
      { type: 'ProductDiscontinued', data: { sku: 'SKU-1' } },
    );
    expect(fold(events)).toMatchObject({ priceCents: 2499, status: 'discontinued', revision: 2 });
  });

  it('moves only the revision on a rejected reservation', () => {
    const events = history(registered, {
      type: 'StockReservationRejected',
      data: { sku: 'SKU-1', orderId: 'o1', requested: 5, available: 0, reason: 'insufficient_stock' },
    });
    const before = fold(events.slice(0, 1))!;
    const after = fold(events)!;
    expect(after).toEqual({
      ...before,
      revision: 1,
      position: events[1]!.position,
      updatedAt: events[1]!.recordedAt.toISOString(),
    });
  });

  it('ignores events of a product it has never seen registered', () => {
    const record = eventRecorder();
    expect(
      projectProduct(undefined, record({ type: 'StockAdded', data: { sku: 'SKU-9', quantity: 1 } })),
    ).toBeUndefined();
  });

  it('apply twice, same result: events at or below the applied revision change nothing', () => {
    const events = history(
      registered,
      { type: 'StockAdded', data: { sku: 'SKU-1', quantity: 10 } },
      { type: 'StockReserved', data: { sku: 'SKU-1', orderId: 'o1', quantity: 3 } },
    );
    const once = fold(events);
    expect(fold(events, once)).toBe(once);
    expect(fold(events.flatMap((event) => [event, event]))).toEqual(once);
  });
});
