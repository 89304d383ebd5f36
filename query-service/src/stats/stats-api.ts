import type { ApiOperation } from '@order-engine/shared';
import { SalesReport } from '@order-engine/shared/read-models/sales';
import { readModelUnavailable } from '../consistency/entity-route-api.js';
import { ReadHeaders } from '../consistency/read-position-api.js';
import { MAX_RANGE_DAYS, SalesQueryFields } from './sales-query.js';

// The statistics' query route: what it parses and what it answers.

export const statsApi: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/stats/sales',
    operationId: 'salesReport',
    summary: 'Units and revenue per UTC day, sku and currency, from paid orders',
    description:
      `Both ends included; at most ${MAX_RANGE_DAYS} days. A cancelled payment stops counting on the day it was paid. ` +
      'With X-Min-Position the answer waits (bounded) for that position.',
    tag: 'stats',
    query: SalesQueryFields,
    headers: ReadHeaders,
    answers: { 200: { description: 'The report.', body: SalesReport } },
    refusals: {
      400:
        `A day that is not on the calendar, from after to, more than ${MAX_RANGE_DAYS} days, a malformed sku, or an ` +
        'X-Min-Position that is not a position.',
      503: readModelUnavailable,
    },
  },
];
