import type { SqlExecutor } from '../../sql/sql.js';
import { orderColumns, orderViewFromRow } from './order-codec.js';
import type { OrderView } from './order-view.js';

// The query side of the orders: by id, and by customer newest first.

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

// The cursor key keeps placed_at's microseconds, or two orders placed within the same millisecond could be skipped or
// served twice across pages.
const columns = `${orderColumns},
  to_char(placed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as placed_at_key`;

export function orderReads(db: SqlExecutor, ordersSchema: string): OrderReads {
  return {
    async byId(orderId) {
      const rows = await db.query(`select ${columns} from ${ordersSchema}.orders where order_id = $1`, [orderId], {
        prepare: true,
      });
      return rows[0] && orderViewFromRow(rows[0]);
    },
    async byCustomer({ customerId, after, limit }) {
      const params: unknown[] = [customerId];
      const param = (value: unknown) => `$${params.push(value)}`;
      // A row comparison walks the (customer_id, placed_at desc, order_id desc) index from the cursor on.
      const keyset = after
        ? `and (placed_at, order_id) < (${param(after.placedAt)}::timestamptz, ${param(after.orderId)})`
        : '';
      const rows = await db.query(
        `select ${columns} from ${ordersSchema}.orders where customer_id = $1 ${keyset}
         order by placed_at desc, order_id desc limit ${param(limit)}`,
        params,
      );
      return rows.map((row) => ({
        view: orderViewFromRow(row),
        key: { placedAt: row.placed_at_key as string, orderId: row.order_id as string },
      }));
    },
  };
}
