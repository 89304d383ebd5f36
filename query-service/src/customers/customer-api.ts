import { CustomerSummaryView } from '@order-engine/shared/read-models/customers';
import type { EntityApi } from '../consistency/entity-route-api.js';

// The customers' query route, an entity read (entity-routes.ts): what it answers.

export const customerSummaryReadApi: EntityApi = {
  operationId: 'getCustomerSummary',
  summary: "A customer's orders and payments, summed up",
  tag: 'customers',
  view: CustomerSummaryView,
  notFound: 'The customer has placed no orders (or, for a customer, it is not itself).',
};
