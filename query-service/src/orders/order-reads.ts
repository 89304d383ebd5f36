import { orderViewFromRow, type OrderView, type SqlExecutor } from '@order-engine/shared';

// The orders read model in PostgreSQL: by id, and by customer newest first.

type OrderRow = {
  order_id: string;
  customer_id: string;
  status: string;
  lines: unknown;
  total_cents: string;
  currency: string;
  placed_at_iso: string;
  placed_at_key: string;
  history: unknown;
  revision: number;
};

/** Keyset position in a customer's orders: placed_at with full (microsecond) precision, then order_id. */
export interface CustomerOrdersKey {
  placedAt: string;
  orderId: string;
}

export interface CustomerOrdersFilter {
  customerId: string;
  /** Exclusive: only orders after this one in newest-first order. */
  after?: CustomerOrdersKey;
  limit: number;
}

export interface OrderReads {
  byId(orderId: string): Promise<OrderView | undefined>;
  byCustomer(filter: CustomerOrdersFilter): Promise<{ view: OrderView; key: CustomerOrdersKey }[]>;
}

// Timestamps are formatted by PostgreSQL in UTC: the drivers would otherwise turn them into Dates in the
// process's time zone. placedAt has JavaScript's toISOString shape; the cursor key keeps the microseconds,
// or two orders placed within the same millisecond could be skipped or served twice across pages.
// The aliases must differ from the column names: ORDER BY placed_at would otherwise sort by the formatted text.
const columns = `order_id, customer_id, status, lines, total_cents::text as total_cents, currency,
  to_char(placed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as placed_at_iso,
  to_char(placed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as placed_at_key,
  history, revision`;

// The shared codec reads placed_at: give it the millisecond ISO text.
const toView = ({ placed_at_iso, ...row }: OrderRow): OrderView =>
  orderViewFromRow({ ...row, placed_at: placed_at_iso });

export function orderReads(db: SqlExecutor, ordersSchema: string): OrderReads {
  return {
    async byId(orderId) {
      const rows = await db.query<OrderRow>(
        `select ${columns} from ${ordersSchema}.orders where order_id = $1`,
        [orderId],
        { prepare: true },
      );
      return rows[0] && toView(rows[0]);
    },
    async byCustomer({ customerId, after, limit }) {
      const params: unknown[] = [customerId];
      const param = (value: unknown) => `$${params.push(value)}`;
      // A row comparison walks the (customer_id, placed_at desc, order_id desc) index from the cursor on.
      const keyset = after
        ? `and (placed_at, order_id) < (${param(after.placedAt)}::timestamptz, ${param(after.orderId)})`
        : '';
      const rows = await db.query<OrderRow>(
        `select ${columns} from ${ordersSchema}.orders where customer_id = $1 ${keyset}
         order by placed_at desc, order_id desc limit ${param(limit)}`,
        params,
      );
      return rows.map((row) => ({ view: toView(row), key: { placedAt: row.placed_at_key, orderId: row.order_id } }));
    },
  };
}
