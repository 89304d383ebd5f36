import { entityCacheKey } from '../cache-keys.js';

// What GET /customers/:id/summary answers, and what the cache holds.

export interface PaidRevenueView {
  currency: string;
  amountCents: number;
}

export interface CustomerSummaryView {
  customerId: string;
  ordersPlaced: number;
  /** Orders the saga confirmed, whatever came after (paid, shipped, cancelled). */
  ordersConfirmed: number;
  ordersCancelled: number;
  /** Per currency, never added across: payments of orders not cancelled since (a cancelled payment is refunded). */
  paidRevenue: PaidRevenueView[];
  lastOrderAt: string;
  /** How many events of the customer's orders the summary holds: it only grows, so cache writes are ordered by it. */
  revision: number;
}

export const customerSummaryCacheKey = entityCacheKey('customer');
