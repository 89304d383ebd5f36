import type { SqlExecutor } from '../../sql/sql.js';
import { customerSummaryFromRow, selectCustomerSummaries } from './customer-codec.js';
import type { CustomerSummaryView } from './customer-view.js';

// The query side of the customers: one customer's summary.

export interface CustomerSummaryReads {
  byCustomer(customerId: string): Promise<CustomerSummaryView | undefined>;
}

export const customerSummaryReads = (db: SqlExecutor, schema: string): CustomerSummaryReads => ({
  async byCustomer(customerId) {
    const rows = await db.query(`${selectCustomerSummaries(schema)} where s.customer_id = $1`, [customerId], {
      prepare: true,
    });
    return rows[0] && customerSummaryFromRow(rows[0]);
  },
});
