import { Map as ImmutableMap, Set as ImmutableSet } from 'immutable';
import type { Decider } from '../decider.js';
import { AlreadyExists, NotFound, ProductUnavailable } from '../errors.js';
import type { ChangePrice, ProductCommand, RegisterProduct, ReleaseStock, ReserveStock, Restock, ShipStock } from './commands.js';
import type { ProductEvent } from './events.js';

// Product state is a union on status. Reservations are keyed by order id, so reserving twice for one order is a no-op.
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
      /** Orders whose reservation was released or shipped: a late or redelivered ReserveStock for them is a no-op,
       * so at-least-once delivery to concurrent saga workers can never hold stock for a finished order. */
      settledOrders: ImmutableSet<string>;
    };

type RegisteredProduct = Extract<Product, { onHand: number }>;

export const reservedOf = (product: RegisteredProduct): number => product.reserved;

export const availableOf = (product: RegisteredProduct): number => product.onHand - product.reserved;

export const reservationOf = (product: RegisteredProduct, orderId: string): number | undefined => product.reservations.get(orderId);

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
    data: { sku: data.sku, name: data.name, category: data.category, priceCents: data.priceCents, currency: data.currency },
  },
];

const changePrice = ({ data }: ChangePrice, product: RegisteredProduct): ProductEvent[] => {
  if (product.status === 'discontinued') throw new ProductUnavailable(product.sku, 'discontinued');
  if (data.priceCents === product.priceCents) return [];
  return [{ type: 'PriceChanged', data: { sku: product.sku, priceCents: data.priceCents, previousPriceCents: product.priceCents } }];
};

const restock = ({ data }: Restock, product: RegisteredProduct): ProductEvent[] => {
  if (product.status === 'discontinued') throw new ProductUnavailable(product.sku, 'discontinued');
  return [{ type: 'StockAdded', data: { sku: product.sku, quantity: data.quantity } }];
};

// A refusal is an event, not an error: the fulfilment saga reacts to it by rejecting the order.
const reserveStock = ({ data }: ReserveStock, product: RegisteredProduct): ProductEvent[] => {
  const { orderId, quantity: requested } = data;
  if (product.reservations.has(orderId) || product.settledOrders.has(orderId)) return [];
  const sku = product.sku;
  if (product.status === 'discontinued') {
    return [{ type: 'StockReservationRejected', data: { sku, orderId, requested, available: 0, reason: 'discontinued' } }];
  }
  const available = availableOf(product);
  if (available < requested) {
    return [{ type: 'StockReservationRejected', data: { sku, orderId, requested, available, reason: 'insufficient_stock' } }];
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
    return { status: 'active', sku, name, category, priceCents, currency, onHand: 0, reservations: ImmutableMap(), reserved: 0, settledOrders: ImmutableSet() };
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
      return { ...state, reservations: state.reservations.set(orderId, quantity), reserved: state.reserved - (reservationOf(state, orderId) ?? 0) + quantity };
    }
    case 'StockReservationRejected':
      return state;
    case 'StockReleased':
      return settle(state, event.data.orderId, state.onHand);
    case 'StockShipped':
      return settle(state, event.data.orderId, state.onHand - event.data.quantity);
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
