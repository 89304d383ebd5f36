import type { ProductEvent, RecordedDomainEvent } from '../../domain/index.js';
import type { ProductView } from './catalog-view.js';

// The catalog read model: one row per product. Pure, so it is tested without a database.

/** A products row: the view plus where it was last changed in `$all`. */
export interface ProductRow extends ProductView {
  position: bigint;
  updatedAt: string;
}

export type ProductDomainEvent = RecordedDomainEvent<ProductEvent>;

const productEventTypes: Record<ProductEvent['type'], true> = {
  ProductRegistered: true,
  PriceChanged: true,
  StockAdded: true,
  StockReserved: true,
  StockReservationRejected: true,
  StockReleased: true,
  StockShipped: true,
  StockHeld: true,
  StockHoldReleased: true,
  ProductDiscontinued: true,
};

export const isProductEvent = (event: RecordedDomainEvent): event is ProductDomainEvent =>
  Object.hasOwn(productEventTypes, event.type);

const withStock = (row: ProductRow, onHand: number, reserved: number, held = row.held): ProductRow => ({
  ...row,
  onHand,
  reserved,
  held,
  available: onHand - reserved - held,
});

export function projectProduct(row: ProductRow | undefined, event: ProductDomainEvent): ProductRow | undefined {
  // Delivery is at least once: an event at or below the applied revision has been counted already.
  if (row && event.revision <= row.revision) return row;
  const stamp = { revision: event.revision, position: event.position, updatedAt: event.recordedAt.toISOString() };
  if (event.type === 'ProductRegistered') {
    const { sku, name, category, priceCents, currency } = event.data;
    return {
      sku,
      name,
      category,
      priceCents,
      currency,
      onHand: 0,
      reserved: 0,
      held: 0,
      available: 0,
      status: 'active',
      ...stamp,
    };
  }
  // History before registration cannot be shown: the decider never writes it, so there is nothing to project.
  if (!row) return undefined;
  switch (event.type) {
    case 'PriceChanged':
      return { ...row, priceCents: event.data.priceCents, ...stamp };
    case 'StockAdded':
      return { ...withStock(row, row.onHand + event.data.quantity, row.reserved), ...stamp };
    case 'StockReserved':
      return { ...withStock(row, row.onHand, row.reserved + event.data.quantity), ...stamp };
    case 'StockReservationRejected':
      return { ...row, ...stamp };
    case 'StockReleased':
      return { ...withStock(row, row.onHand, row.reserved - event.data.quantity), ...stamp };
    case 'StockShipped':
      return { ...withStock(row, row.onHand - event.data.quantity, row.reserved - event.data.quantity), ...stamp };
    case 'StockHeld':
      return { ...withStock(row, row.onHand, row.reserved, row.held + event.data.quantity), ...stamp };
    case 'StockHoldReleased':
      return { ...withStock(row, row.onHand, row.reserved, row.held - event.data.quantity), ...stamp };
    case 'ProductDiscontinued':
      return { ...row, status: 'discontinued', ...stamp };
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled product event ${JSON.stringify(unhandled)}`);
    }
  }
}

export const productView = ({ position: _position, updatedAt: _updatedAt, ...view }: ProductRow): ProductView => view;
