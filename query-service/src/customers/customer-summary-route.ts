import { CustomerId } from '@order-engine/shared';
import { customerSummaryCacheKey, customerSummaryReads } from '@order-engine/shared/read-models/customers';
import { entityRoute } from '../consistency/entity-route.js';
import { customerSummaryReadApi } from './customer-api.js';

// GET /customers/:id/summary: a customer without orders has no summary, so the answer is 404.
export const customerSummaryRoute = entityRoute({
  path: '/customers/:id/summary',
  id: CustomerId,
  projection: 'customers',
  cacheKey: customerSummaryCacheKey,
  load: (db, schema, customerId) => customerSummaryReads(db, schema).byCustomer(customerId),
  ownedBy: 'id',
  api: customerSummaryReadApi,
});
