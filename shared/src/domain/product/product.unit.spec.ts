import { Map as ImmutableMap, Set as ImmutableSet } from 'immutable';
import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../testing/decider-spec.js';
import { fold } from '../decider.js';
import { AlreadyExists, InsufficientStock, NotFound, ProductUnavailable, StockLimitExceeded } from '../errors.js';
import { MAX_ON_HAND, MAX_QUANTITY } from '../ids.js';
import type { ProductCommand } from './commands.js';
import type { ProductEvent } from './events.js';
import { availableOf, type Product, productDecider, reservedOf } from './product.js';

const sku = 'SKU-1';
const spec = deciderSpec(productDecider);

const registered: ProductEvent = {
  type: 'ProductRegistered',
  data: { sku, name: 'Kettle', category: 'kitchen', priceCents: 2_500, currency: 'EUR' },
};
const stockAdded = (quantity: number): ProductEvent => ({ type: 'StockAdded', data: { sku, quantity } });
const reserved = (orderId: string, quantity: number): ProductEvent => ({
  type: 'StockReserved',
  data: { sku, orderId, quantity },
});
const released = (orderId: string, quantity: number): ProductEvent => ({
  type: 'StockReleased',
  data: { sku, orderId, quantity },
});
const shipped = (orderId: string, quantity: number): ProductEvent => ({
  type: 'StockShipped',
  data: { sku, orderId, quantity },
});
const discontinued: ProductEvent = { type: 'ProductDiscontinued', data: { sku } };

const register: ProductCommand = {
  type: 'RegisterProduct',
  data: { sku, name: 'Kettle', category: 'kitchen', priceCents: 2_500, currency: 'EUR' },
};
const changePrice = (priceCents: number): ProductCommand => ({ type: 'ChangePrice', data: { sku, priceCents } });
const restock = (quantity: number): ProductCommand => ({ type: 'Restock', data: { sku, quantity } });
const reserve = (orderId: string, quantity: number): ProductCommand => ({
  type: 'ReserveStock',
  data: { sku, orderId, quantity },
});
const release = (orderId: string): ProductCommand => ({ type: 'ReleaseStock', data: { sku, orderId } });
const ship = (orderId: string): ProductCommand => ({ type: 'ShipStock', data: { sku, orderId } });
const discontinue: ProductCommand = { type: 'DiscontinueProduct', data: { sku } };
const hold = (holdId: string, quantity: number): ProductCommand => ({
  type: 'PlaceHold',
  data: { sku, holdId, quantity, reason: 'display' },
});
const releaseHold = (holdId: string): ProductCommand => ({ type: 'ReleaseHold', data: { sku, holdId } });
const held = (holdId: string, quantity: number): ProductEvent => ({
  type: 'StockHeld',
  data: { sku, holdId, quantity, reason: 'display' },
});
const holdReleased = (holdId: string, quantity: number): ProductEvent => ({
  type: 'StockHoldReleased',
  data: { sku, holdId, quantity },
});

describe('product decider', () => {
  describe('RegisterProduct', () => {
    it('registers a new product', () => {
      spec.given([]).when(register).then([registered]);
    });

    it('refuses to register an existing product', () => {
      spec.given([registered]).when(register).thenThrows(AlreadyExists, { entity: 'product', id: sku });
    });

    it('a registered product starts active with no stock', () => {
      spec.given([registered]).thenState({
        status: 'active',
        sku,
        name: 'Kettle',
        category: 'kitchen',
        priceCents: 2_500,
        currency: 'EUR',
        onHand: 0,
        reservations: ImmutableMap(),
        reserved: 0,
        holds: ImmutableMap(),
        held: 0,
        settledOrders: ImmutableSet(),
      });
    });
  });

  describe('a product that does not exist', () => {
    it.each([
      changePrice(1),
      restock(1),
      hold('h-1', 1),
      releaseHold('h-1'),
      reserve('o-1', 1),
      release('o-1'),
      ship('o-1'),
      discontinue,
    ])('refuses $type with NotFound', (command) => {
      spec.given([]).when(command).thenThrows(NotFound, { entity: 'product', id: sku });
    });
  });

  describe('ChangePrice', () => {
    it('changes the price and records the previous one', () => {
      spec
        .given([registered])
        .when(changePrice(2_999))
        .then([{ type: 'PriceChanged', data: { sku, priceCents: 2_999, previousPriceCents: 2_500 } }]);
    });

    it('is a no-op when the price is the same', () => {
      spec.given([registered]).when(changePrice(2_500)).then([]);
    });

    it('is refused on a discontinued product', () => {
      spec
        .given([registered, discontinued])
        .when(changePrice(2_999))
        .thenThrows(ProductUnavailable, { sku, reason: 'discontinued' });
    });
  });

  describe('Restock', () => {
    it('adds stock', () => {
      spec
        .given([registered])
        .when(restock(10))
        .then([stockAdded(10)]);
    });

    it('is refused on a discontinued product', () => {
      spec
        .given([registered, discontinued])
        .when(restock(10))
        .thenThrows(ProductUnavailable, { sku, reason: 'discontinued' });
    });
  });

  describe('stock bounds', () => {
    it('restocks up to the bound of stock on hand', () => {
      const full = Array.from({ length: MAX_ON_HAND / MAX_QUANTITY - 1 }, () => stockAdded(MAX_QUANTITY));
      spec
        .given([registered, ...full])
        .when(restock(MAX_QUANTITY))
        .then([stockAdded(MAX_QUANTITY)]);
    });

    it('refuses a restock that would pass it, naming the figures', () => {
      const full = Array.from({ length: MAX_ON_HAND / MAX_QUANTITY }, () => stockAdded(MAX_QUANTITY));
      spec
        .given([registered, ...full])
        .when(restock(1))
        .thenThrows(StockLimitExceeded, { sku, onHand: MAX_ON_HAND, adding: 1, limit: MAX_ON_HAND });
    });
  });

  describe('PlaceHold and ReleaseHold', () => {
    it('holds available stock under its own id', () => {
      spec
        .given([registered, stockAdded(5)])
        .when(hold('h-1', 2))
        .then([held('h-1', 2)]);
    });

    it('counts holds against available stock, apart from reservations', () => {
      const product = fold(productDecider, [registered, stockAdded(10), reserved('o-1', 3), held('h-1', 4)]);
      expect(product).toMatchObject({ onHand: 10, reserved: 3, held: 4 });
      expect(product.status !== 'none' && availableOf(product)).toBe(3);
    });

    it('refuses a hold beyond available stock as InsufficientStock, recording nothing', () => {
      spec
        .given([registered, stockAdded(5), reserved('o-1', 3)])
        .when(hold('h-1', 3))
        .thenThrows(InsufficientStock, { sku, requested: 3, available: 2 });
    });

    it('leaves too little for an order: the reservation is rejected', () => {
      spec
        .given([registered, stockAdded(5), held('h-1', 5)])
        .when(reserve('o-1', 1))
        .then([
          {
            type: 'StockReservationRejected',
            data: { sku, orderId: 'o-1', requested: 1, available: 0, reason: 'insufficient_stock' },
          },
        ]);
    });

    it('is a no-op when placed again with the same quantity, and a conflict with another', () => {
      spec
        .given([registered, stockAdded(5), held('h-1', 2)])
        .when(hold('h-1', 2))
        .then([]);
      spec
        .given([registered, stockAdded(5), held('h-1', 2)])
        .when(hold('h-1', 3))
        .thenThrows(AlreadyExists, { entity: 'hold', id: 'h-1' });
    });

    it('is refused on a discontinued product', () => {
      spec
        .given([registered, stockAdded(5), discontinued])
        .when(hold('h-1', 1))
        .thenThrows(ProductUnavailable, { sku, reason: 'discontinued' });
    });

    it('releases a hold, and refuses to release one that does not exist', () => {
      spec
        .given([registered, stockAdded(5), held('h-1', 2)])
        .when(releaseHold('h-1'))
        .then([holdReleased('h-1', 2)]);
      spec
        .given([registered, stockAdded(5), held('h-1', 2), holdReleased('h-1', 2)])
        .when(releaseHold('h-1'))
        .thenThrows(NotFound, { entity: 'hold', id: 'h-1' });
    });

    it('cannot touch an order reservation under the same id', () => {
      spec
        .given([registered, stockAdded(5), reserved('o-1', 2)])
        .when(releaseHold('o-1'))
        .thenThrows(NotFound, { entity: 'hold', id: 'o-1' });
      const product = fold(productDecider, [
        registered,
        stockAdded(5),
        reserved('o-1', 2),
        held('o-1', 1),
        holdReleased('o-1', 1),
      ]);
      expect(product).toMatchObject({ reserved: 2, held: 0 });
      expect(product.status !== 'none' && product.reservations.toObject()).toEqual({ 'o-1': 2 });
    });

    it('still releases holds of a discontinued product', () => {
      spec
        .given([registered, stockAdded(5), held('h-1', 2), discontinued])
        .when(releaseHold('h-1'))
        .then([holdReleased('h-1', 2)]);
    });
  });

  describe('ReserveStock', () => {
    it('reserves available stock for an order', () => {
      spec
        .given([registered, stockAdded(5)])
        .when(reserve('o-1', 5))
        .then([reserved('o-1', 5)]);
    });

    it('reserving twice for the same order is a no-op', () => {
      spec
        .given([registered, stockAdded(5), reserved('o-1', 2)])
        .when(reserve('o-1', 2))
        .then([]);
    });

    it('is a no-op for an order that already holds a reservation, even once discontinued', () => {
      spec
        .given([registered, stockAdded(5), reserved('o-1', 2), discontinued])
        .when(reserve('o-1', 2))
        .then([]);
    });

    it('rejects with an event, not an error, when stock is insufficient', () => {
      spec
        .given([registered, stockAdded(5), reserved('o-1', 3)])
        .when(reserve('o-2', 3))
        .then([
          {
            type: 'StockReservationRejected',
            data: { sku, orderId: 'o-2', requested: 3, available: 2, reason: 'insufficient_stock' },
          },
        ]);
    });

    it('rejects with reason discontinued on a discontinued product', () => {
      spec
        .given([registered, stockAdded(5), discontinued])
        .when(reserve('o-1', 1))
        .then([
          {
            type: 'StockReservationRejected',
            data: { sku, orderId: 'o-1', requested: 1, available: 0, reason: 'discontinued' },
          },
        ]);
    });

    it('a rejected reservation changes nothing, so a retry may succeed after a restock', () => {
      const rejection: ProductEvent = {
        type: 'StockReservationRejected',
        data: { sku, orderId: 'o-1', requested: 3, available: 0, reason: 'insufficient_stock' },
      };
      spec
        .given([registered, rejection, stockAdded(3)])
        .when(reserve('o-1', 3))
        .then([reserved('o-1', 3)]);
    });

    it('keys reservations by order id safely, even for ids named like Object members', () => {
      spec
        .given([registered, stockAdded(5)])
        .when(reserve('constructor', 2))
        .then([reserved('constructor', 2)]);
      spec
        .given([registered, stockAdded(5)])
        .when(release('toString'))
        .then([]);
    });
  });

  describe('ReleaseStock', () => {
    it('releases the reservation of an order', () => {
      spec
        .given([registered, stockAdded(5), reserved('o-1', 2)])
        .when(release('o-1'))
        .then([released('o-1', 2)]);
    });

    it('is a no-op when the order holds no reservation', () => {
      spec
        .given([registered, stockAdded(5)])
        .when(release('o-1'))
        .then([]);
    });

    it('a late or redelivered reservation for an order already released is a no-op', () => {
      spec
        .given([registered, stockAdded(5), reserved('o-1', 2), released('o-1', 2)])
        .when(reserve('o-1', 2))
        .then([]);
    });

    it('is a no-op when released twice', () => {
      spec
        .given([registered, stockAdded(5), reserved('o-1', 2), released('o-1', 2)])
        .when(release('o-1'))
        .then([]);
    });

    it('still frees reservations of a discontinued product', () => {
      spec
        .given([registered, stockAdded(5), reserved('o-1', 2), discontinued])
        .when(release('o-1'))
        .then([released('o-1', 2)]);
    });
  });

  describe('ShipStock', () => {
    it('ships the reserved quantity', () => {
      spec
        .given([registered, stockAdded(5), reserved('o-1', 2)])
        .when(ship('o-1'))
        .then([shipped('o-1', 2)]);
    });

    it('takes the shipped quantity off the shelf and drops the reservation', () => {
      const product = fold(productDecider, [
        registered,
        stockAdded(5),
        reserved('o-1', 2),
        reserved('o-2', 1),
        shipped('o-1', 2),
      ]);
      expect(product).toMatchObject({ onHand: 3, reserved: 1 });
      expect(product.status !== 'none' && product.reservations.toObject()).toEqual({ 'o-2': 1 });
    });

    it('is a no-op when the order holds no reservation', () => {
      spec
        .given([registered, stockAdded(5)])
        .when(ship('o-1'))
        .then([]);
    });

    it('a redelivered reservation for an order already shipped is a no-op', () => {
      spec
        .given([registered, stockAdded(5), reserved('o-1', 2), shipped('o-1', 2)])
        .when(reserve('o-1', 2))
        .then([]);
    });

    it('is a no-op when shipped twice', () => {
      spec
        .given([registered, stockAdded(5), reserved('o-1', 2), shipped('o-1', 2)])
        .when(ship('o-1'))
        .then([]);
    });

    it('still ships reservations of a discontinued product', () => {
      spec
        .given([registered, stockAdded(5), reserved('o-1', 2), discontinued])
        .when(ship('o-1'))
        .then([shipped('o-1', 2)]);
    });
  });

  describe('DiscontinueProduct', () => {
    it('discontinues an active product', () => {
      spec.given([registered]).when(discontinue).then([discontinued]);
    });

    it('is a no-op when already discontinued', () => {
      spec.given([registered, discontinued]).when(discontinue).then([]);
    });
  });

  describe('evolve', () => {
    it('ignores events for a product that was never registered', () => {
      spec.given([stockAdded(5), reserved('o-1', 1)]).thenState({ status: 'none' });
    });

    it('applying the same StockReserved twice keeps one reservation', () => {
      const product = fold(productDecider, [registered, stockAdded(5), reserved('o-1', 2), reserved('o-1', 2)]);
      expect(product).toMatchObject({ onHand: 5, reserved: 2 });
      expect(product.status !== 'none' && product.reservations.toObject()).toEqual({ 'o-1': 2 });
    });

    it('leaves the state before an event as it was (the cache and a batch decide on earlier states)', () => {
      const before = fold(productDecider, [registered, stockAdded(5), reserved('o-1', 2), reserved('o-2', 1)]);
      const after = [reserved('o-3', 1), shipped('o-1', 2), released('o-2', 1)].reduce(productDecider.evolve, before);
      expect(before).toMatchObject({ onHand: 5, reserved: 3 });
      expect(before.status !== 'none' && [before.reservations.toObject(), before.settledOrders.toArray()]).toEqual([
        { 'o-1': 2, 'o-2': 1 },
        [],
      ]);
      expect(after).toMatchObject({ onHand: 3, reserved: 1 });
      expect(after.status !== 'none' && [after.reservations.toObject(), after.settledOrders.toArray()]).toEqual([
        { 'o-3': 1 },
        ['o-1', 'o-2'],
      ]);
    });

    it('writes reservations as an object and settled orders as an array in JSON', () => {
      const product = fold(productDecider, [
        registered,
        stockAdded(5),
        reserved('o-1', 2),
        reserved('o-2', 1),
        shipped('o-2', 1),
      ]);
      expect(JSON.parse(JSON.stringify(product))).toMatchObject({
        reservations: { 'o-1': 2 },
        reserved: 2,
        settledOrders: ['o-2'],
      });
    });
  });
});

// A small seeded generator, so a failure replays exactly.
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('invariant: available stock never goes below zero', () => {
  const randomCommand = (random: () => number): ProductCommand => {
    const orderId = `o-${Math.floor(random() * 6)}`;
    const quantity = 1 + Math.floor(random() * 8);
    const pick = random();
    if (pick < 0.4) return reserve(orderId, quantity);
    if (pick < 0.6) return release(orderId);
    if (pick < 0.75) return ship(orderId);
    if (pick < 0.97) return restock(quantity);
    return discontinue;
  };

  it('holds after every event of 500 random reserve/release/restock/ship sequences', () => {
    const seen = new Set<ProductEvent['type']>();
    for (let seed = 1; seed <= 500; seed++) {
      const random = mulberry32(seed);
      let state: Product = fold(productDecider, [registered]);
      for (let step = 0; step < 40; step++) {
        const command = randomCommand(random);
        let events: ProductEvent[];
        try {
          events = productDecider.decide(command, state, { now: new Date(0), newId: () => 'unused' });
        } catch (error) {
          // Only a discontinued product may refuse (Restock); anything else is a broken rule.
          expect(error, `seed ${seed} step ${step}`).toBeInstanceOf(ProductUnavailable);
          continue;
        }
        for (const event of events) {
          seen.add(event.type);
          state = productDecider.evolve(state, event);
          if (state.status === 'none') throw new Error('a registered product became none');
          const context = `seed ${seed} step ${step} ${event.type}`;
          expect(availableOf(state), context).toBeGreaterThanOrEqual(0);
          expect(reservedOf(state), context).toBeGreaterThanOrEqual(0);
          // The running total is the sum of the reservations.
          expect(reservedOf(state), context).toBe(state.reservations.reduce((sum, quantity) => sum + quantity, 0));
          expect(state.onHand, context).toBeGreaterThanOrEqual(0);
        }
      }
    }
    // Guards the generator: the sequences must reach every stock event, refusals included.
    expect([...seen].sort()).toEqual([
      'ProductDiscontinued',
      'StockAdded',
      'StockReleased',
      'StockReservationRejected',
      'StockReserved',
      'StockShipped',
    ]);
  });
});
