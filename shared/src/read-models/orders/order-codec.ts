import type { Row } from '../../sql/sql.js';
import { isoText, jsonColumn } from '../projection.js';
import type { OrderHistoryEntry, OrderLineView, OrderView } from './order-view.js';

// The orders row ↔ view codec, once for the writer (projection service) and the readers (query service).

// The orders table has no shipment column: the shipment rides on the timeline's `shipped` entry
// ({status, at, carrier, trackingNumber}), and orderViewFromRow takes it back out.
type StoredHistoryEntry = OrderHistoryEntry & { carrier?: string; trackingNumber?: string };

/** The history column of an order: its timeline with the shipment on the `shipped` entry. */
export const storedOrderHistory = (order: OrderView): StoredHistoryEntry[] =>
  order.history.map((entry) =>
    entry.status === 'shipped' && order.shipment ? { ...entry, ...order.shipment } : entry,
  );

// placed_at leaves PostgreSQL as UTC ISO text: the drivers would otherwise make Dates in the process's time zone. The
// alias differs from the column, so ORDER BY placed_at still sorts instants, not their text.
export const orderColumns = `order_id, customer_id, status, lines, total_cents::text as total_cents, currency,
  ${isoText('placed_at')} as placed_at_iso, history, revision`;

const placedAtOf = (row: Row): string => {
  const placedAt = row.placed_at_iso ?? row.placed_at;
  return placedAt instanceof Date ? placedAt.toISOString() : (placedAt as string);
};

/** The view from an orders row selected with orderColumns (or a plain row, whose placed_at is a Date). */
export function orderViewFromRow(row: Row): OrderView {
  const stored = jsonColumn<StoredHistoryEntry[]>(row.history);
  const history = stored.map(({ carrier: _carrier, trackingNumber: _tracking, ...entry }) => entry);
  const shipped = stored.findLast((entry) => entry.status === 'shipped' && entry.carrier !== undefined);
  const view: OrderView = {
    orderId: row.order_id as string,
    customerId: row.customer_id as string,
    status: row.status as OrderView['status'],
    lines: jsonColumn<OrderLineView[]>(row.lines),
    totalCents: Number(row.total_cents),
    currency: row.currency as string,
    placedAt: placedAtOf(row),
    history,
    revision: Number(row.revision),
  };
  return shipped?.carrier === undefined
    ? view
    : { ...view, shipment: { carrier: shipped.carrier, trackingNumber: shipped.trackingNumber ?? '' } };
}
