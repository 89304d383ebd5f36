import { Map as ImmutableMap, Set as ImmutableSet } from 'immutable';
import type { Decider } from '../decider.js';
import { AlreadyExists, InsufficientStock, NotFound, ProductUnavailable, StockLimitExceeded } from '../errors.js';
import { MAX_ON_HAND } from '../ids.js';
import type {
  ChangePrice,
  PlaceHold,
  ProductCommand,
  RegisterProduct,
  ReleaseHold,
  ReleaseStock,
  ReserveStock,
  Restock,
  ShipStock,
} from './commands.js';
import type { ProductEvent } from './events.js';

// Product state is a union on status. Reservations are keyed by order id, so reserving twice for one order is a no-op.
// Operators' holds are kept apart, keyed by their own ids: no hold can touch an order's reservation, nor the reverse.
// A product lives long: its settled orders only ever grow, and its open reservations can number thousands. So both are
// persistent collections (immutable's Map and Set): evolve makes a new state in O(log n) per event, sharing the rest
// with the state before, where copying a plain object made folding a stream of n orders O(n²). JSON.stringify writes
// them as an object and an array.
export type Product =
  | { status: 'none' }
  | {
      status: 'active' | 'discontinued';
      sku: string;
      name: string;
      category: string;
      priceCents: number;
      currency: string;
      onHand: number;
      /** orderId → reserved quantity */
      reservations: ImmutableMap<string, number>;
      /** The sum of the reservations' quantities, kept by evolve. */
      reserved: number;
      /** holdId → held quantity */
      holds: ImmutableMap<string, { quantity: number; reason: string }>;
      /** The sum of the holds' quantities, kept by evolve. */
      held: number;
      /** Orders whose reservation was released or shipped: a late or redelivered ReserveStock for them is a no-op,
       * so at-least-once delivery to concurrent saga workers can never hold stock for a finished order. */
      settledOrders: ImmutableSet<string>;
    };

type RegisteredProduct = Extract<Product, { onHand: number }>;

export const reservedOf = (product: RegisteredProduct): number => product.reserved;

/** What can still be reserved or held: never below zero, since both are refused past it. */
export const availableOf = (product: RegisteredProduct): number => product.onHand - product.reserved - product.held;

export const reservationOf = (product: RegisteredProduct, orderId: string): number | undefined =>
  product.reservations.get(orderId);

/** The state after an order's reservation ended (released or shipped): not reserved any more, and settled. */
const settle = (product: RegisteredProduct, orderId: string, onHand: number): RegisteredProduct => ({
  ...product,
  onHand,
  reservations: product.reservations.delete(orderId),
  reserved: product.reserved - (reservationOf(product, orderId) ?? 0),
  settledOrders: product.settledOrders.add(orderId),
});

const registerProduct = ({ data }: RegisterProduct): ProductEvent[] => [
  {
    type: 'ProductRegistered',
    data: {
      sku: data.sku,
      name: data.name,
      category: data.category,
      priceCents: data.priceCents,
      currency: data.currency,
    },
  },
];

const changePrice = ({ data }: ChangePrice, product: RegisteredProduct): ProductEvent[] => {
  if (product.status === 'discontinued') throw new ProductUnavailable(product.sku, 'discontinued');
  if (data.priceCents === product.priceCents) return [];
  return [
    {
      type: 'PriceChanged',
      data: { sku: product.sku, priceCents: data.priceCents, previousPriceCents: product.priceCents },
    },
  ];
};

const restock = ({ data }: Restock, product: RegisteredProduct): ProductEvent[] => {
  if (product.status === 'discontinued') throw new ProductUnavailable(product.sku, 'discontinued');
  if (product.onHand + data.quantity > MAX_ON_HAND)
    throw new StockLimitExceeded(product.sku, product.onHand, data.quantity, MAX_ON_HAND);
  return [{ type: 'StockAdded', data: { sku: product.sku, quantity: data.quantity } }];
};

// A refusal is an event, not an error: the fulfilment saga reacts to it by rejecting the order.
const reserveStock = ({ data }: ReserveStock, product: RegisteredProduct): ProductEvent[] => {
  const { orderId, quantity: requested } = data;
  if (product.reservations.has(orderId) || product.settledOrders.has(orderId)) return [];
  const sku = product.sku;
  if (product.status === 'discontinued') {
    return [
      { type: 'StockReservationRejected', data: { sku, orderId, requested, available: 0, reason: 'discontinued' } },
    ];
  }
  const available = availableOf(product);
  if (available < requested) {
    return [
      { type: 'StockReservationRejected', data: { sku, orderId, requested, available, reason: 'insufficient_stock' } },
    ];
  }
  return [{ type: 'StockReserved', data: { sku, orderId, quantity: requested } }];
};

// Release and ship still work on a discontinued product: its existing reservations must be honoured or freed.
const releaseStock = ({ data }: ReleaseStock, product: RegisteredProduct): ProductEvent[] => {
  const quantity = reservationOf(product, data.orderId);
  if (quantity === undefined) return [];
  return [{ type: 'StockReleased', data: { sku: product.sku, orderId: data.orderId, quantity } }];
};

const shipStock = ({ data }: ShipStock, product: RegisteredProduct): ProductEvent[] => {
  const quantity = reservationOf(product, data.orderId);
  if (quantity === undefined) return [];
  return [{ type: 'StockShipped', data: { sku: product.sku, orderId: data.orderId, quantity } }];
};

// A hold placed again with the same id and quantity is a no-op (a retried request); with another quantity, a conflict.
const placeHold = ({ data }: PlaceHold, product: RegisteredProduct): ProductEvent[] => {
  const { holdId, quantity, reason } = data;
  const existing = product.holds.get(holdId);
  if (existing) {
    if (existing.quantity === quantity) return [];
    throw new AlreadyExists('hold', holdId, `hold ${holdId} on ${product.sku} already holds ${existing.quantity}`);
  }
  if (product.status === 'discontinued') throw new ProductUnavailable(product.sku, 'discontinued');
  const available = availableOf(product);
  if (available < quantity) throw new InsufficientStock(product.sku, quantity, available);
  return [{ type: 'StockHeld', data: { sku: product.sku, holdId, quantity, reason } }];
};

const releaseHold = ({ data }: ReleaseHold, product: RegisteredProduct): ProductEvent[] => {
  const existing = product.holds.get(data.holdId);
  if (!existing) throw new NotFound('hold', data.holdId);
  return [{ type: 'StockHoldReleased', data: { sku: product.sku, holdId: data.holdId, quantity: existing.quantity } }];
};

const discontinueProduct = (product: RegisteredProduct): ProductEvent[] =>
  product.status === 'discontinued' ? [] : [{ type: 'ProductDiscontinued', data: { sku: product.sku } }];

const decide = (command: ProductCommand, state: Product): ProductEvent[] => {
  if (command.type === 'RegisterProduct') {
    if (state.status !== 'none') throw new AlreadyExists('product', command.data.sku);
    return registerProduct(command);
  }
  if (state.status === 'none') throw new NotFound('product', command.data.sku);
  switch (command.type) {
    case 'ChangePrice':
      return changePrice(command, state);
    case 'Restock':
      return restock(command, state);
    case 'PlaceHold':
      return placeHold(command, state);
    case 'ReleaseHold':
      return releaseHold(command, state);
    case 'ReserveStock':
      return reserveStock(command, state);
    case 'ReleaseStock':
      return releaseStock(command, state);
    case 'ShipStock':
      return shipStock(command, state);
    case 'DiscontinueProduct':
      return discontinueProduct(state);
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled product command ${JSON.stringify(unhandled)}`);
    }
  }
};

const evolve = (state: Product, event: ProductEvent): Product => {
  if (event.type === 'ProductRegistered') {
    const { sku, name, category, priceCents, currency } = event.data;
    return {
      status: 'active',
      sku,
      name,
      category,
      priceCents,
      currency,
      onHand: 0,
      reservations: ImmutableMap(),
      reserved: 0,
      holds: ImmutableMap(),
      held: 0,
      settledOrders: ImmutableSet(),
    };
  }
  // History is a fact: an event for a product never registered cannot be applied, so it leaves the state as it is.
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'PriceChanged':
      return { ...state, priceCents: event.data.priceCents };
    case 'StockAdded':
      return { ...state, onHand: state.onHand + event.data.quantity };
    case 'StockReserved': {
      const { orderId, quantity } = event.data;
      return {
        ...state,
        reservations: state.reservations.set(orderId, quantity),
        reserved: state.reserved - (reservationOf(state, orderId) ?? 0) + quantity,
      };
    }
    case 'StockReservationRejected':
      return state;
    case 'StockReleased':
      return settle(state, event.data.orderId, state.onHand);
    case 'StockShipped':
      return settle(state, event.data.orderId, state.onHand - event.data.quantity);
    case 'StockHeld': {
      const { holdId, quantity, reason } = event.data;
      return {
        ...state,
        holds: state.holds.set(holdId, { quantity, reason }),
        held: state.held - (state.holds.get(holdId)?.quantity ?? 0) + quantity,
      };
    }
    case 'StockHoldReleased': {
      const existing = state.holds.get(event.data.holdId);
      return existing
        ? { ...state, holds: state.holds.delete(event.data.holdId), held: state.held - existing.quantity }
        : state;
    }
    case 'ProductDiscontinued':
      return { ...state, status: 'discontinued' };
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled product event ${JSON.stringify(unhandled)}`);
    }
  }
};

export const productDecider: Decider<Product, ProductCommand, ProductEvent> = {
  initialState: { status: 'none' },
  decide,
  evolve,
};
